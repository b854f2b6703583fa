/**
 * A process whose real-time thread spins without ever blocking
 * (core/workers/threadPriority.test.ts): the kernel's RLIMIT_RTTIME
 * watchdog, set by requestRealtime(), must end it. Run with the dev loader:
 * `node bin/run-ts.mjs tests/support/realtimeRunaway.ts`. Prints `granted`
 * or `refused` first; a refused process exits at once.
 */
import startProbe from './schedulingProbe.worker?nodeWorker';

export async function main(): Promise<void> {
  const worker = startProbe({ workerData: { realtime: 5, spin: true } });
  worker.once('message', (report: { granted: boolean }) => {
    console.log(report.granted ? 'granted' : 'refused');
    if (!report.granted) process.exit(0);
  });
  // Keep the process up while the thread spins; the kernel ends it.
  await new Promise<never>(() => setInterval(() => {}, 1000));
}
