import type { HostClient } from './client.js';

export interface SupervisorOptions {
  /** Starts a host process and returns its client at once (not waiting for ready). */
  start(): HostClient;
  /** Each client once it is ready, the first and every restarted one (IPC and event forwarding follow it). */
  onClient(client: HostClient): void;
  /** The host died and a new one is starting: tell the user. */
  onRestart(reason: string): void;
  /** No host can run: it could not open the data folder, or it keeps dying. */
  onFatal(message: string): void;
  /** Default 500 ms. */
  restartDelayMs?: number;
}

/**
 * Keeps one core host running (desktop main, and the test bridge so the
 * end-to-end tests exercise the same code): when its link closes without
 * being asked to, a new host starts and the core recovers as after a crash
 * (the lease runs out, attempts in flight become uncertain). More than three
 * deaths in a minute is not a passing fault: it stops and says so.
 */
export function superviseHost(options: SupervisorOptions): { current(): HostClient | undefined; stop(): Promise<void> } {
  let client: HostClient | undefined;
  let stopping = false;
  const deaths: number[] = [];

  const start = () => {
    const started = options.start();
    client = started;
    started.ready.then(
      () => options.onClient(started),
      (err: Error) => {
        // It could not open the store: starting again would fail the same way.
        if (!started.alive || stopping) return;
        stopping = true;
        started.disconnect();
        options.onFatal(err.message);
      },
    );
    void started.closed.then((reason) => {
      if (stopping || client !== started) return;
      const now = Date.now();
      deaths.push(now);
      while (deaths[0]! < now - 60_000) deaths.shift();
      if (deaths.length > 3) {
        stopping = true;
        return options.onFatal(`The core process keeps stopping (${reason}). The details are in the log file.`);
      }
      options.onRestart(reason);
      setTimeout(() => {
        if (!stopping) start();
      }, options.restartDelayMs ?? 500);
    });
  };
  start();

  return {
    current: () => client,
    async stop() {
      stopping = true;
      const last = client;
      if (!last?.alive) return;
      // Connected calls end and their results are written before the store closes; the host then exits.
      await last.control('host.close', {});
      await Promise.race([last.closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      last.disconnect();
    },
  };
}
