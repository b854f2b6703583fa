/**
 * A whole task against a sipp UAS (issue 4 benchmark): the real core, the
 * real SIP gateway with real RTP, N numbers at C channels and a calls-per-
 * second limit. sipp answers by the number's last digit (tests/sipp/
 * by-number.xml: answered, busy, powered off, ringing until our CANCEL, 404).
 *
 *   node bin/run-ts.mjs bench/taskRun.ts [--numbers 10000] [--channels 100] [--cps 50] [--seconds 2]
 *
 * Prints numbers per minute, the largest count of calls started in any one
 * second (sliding window over the stored start times) against the limit,
 * the largest number of calls at once against the channels, outcomes, CPU
 * share and peak RSS.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Core } from '../core/core.js';
import { FileKeySecretBox } from '../core/credentials/secretBox.js';
import { silentLogger } from '../core/log.js';
import type { GatewayView } from '../shared/types.js';
import { makeMp3 } from '../tests/support/mp3Files.js';
import { seedRoster } from '../tests/support/seed.js';
import { startSipp } from '../tests/support/sipp.js';
import { makeTempDir } from '../tests/support/tmp.js';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The most starts in any window of `windowMs` (two pointers over sorted instants). */
export function maxInWindow(sorted: number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** The most intervals open at once. */
export function maxOverlap(intervals: { start: number; end: number }[]): number {
  const events = intervals.flatMap((i) => [
    [i.start, 1],
    [i.end, -1],
  ]);
  // Ends before starts at the same instant: a channel freed and reused in the same millisecond is not two at once.
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let open = 0;
  let best = 0;
  for (const [, delta] of events) best = Math.max(best, (open += delta!));
  return best;
}

export async function main(args: string[]): Promise<void> {
  const numbers = option(args, 'numbers', 10_000);
  const channels = option(args, 'channels', 100);
  const cps = option(args, 'cps', 50);
  const seconds = option(args, 'seconds', 2);
  const tmp = makeTempDir('autocall-bench-task-');
  const sipp = await startSipp({ scenario: 'by-number.xml', calls: numbers + 10, timeoutSeconds: 3600, args: ['-max_socket', '5000'] });
  const core = await Core.open({
    dataDir: join(tmp.dir, 'data'),
    secretBox: new FileKeySecretBox(join(tmp.dir, 'secret.key')),
    host: 'cli',
    version: 'bench',
    log: silentLogger,
  });
  try {
    const mp3 = makeMp3(tmp.dir, 'message.mp3', { seconds, rate: 44100, channels: 2 });
    const added = await core.dispatch('recording.add', { path: mp3, name: 'Bench' });
    if (!added.ok) throw new Error(added.error.message);
    const rosterId = seedRoster(core.ctx.db, numbers, 'Bench roster');
    const view = await core.dispatch('gateway.get', {});
    if (!view.ok) throw new Error(view.error.message);
    const { passwordSet: _set, ...current } = view.value as GatewayView;
    const saved = await core.dispatch('gateway.save', {
      settings: {
        ...current,
        mode: 'sip',
        host: sipp.host,
        port: sipp.port,
        localAddress: '127.0.0.1',
        callerIdUser: 'bench',
        channels,
        callsPerSecond: cps,
        ringTimeoutSeconds: 5,
        rtpPortMin: 40000,
        rtpPortMax: 40000 + 4 * channels + 100,
      },
    });
    if (!saved.ok) throw new Error(saved.error.message);

    core.startEngine();
    const cpuStart = process.cpuUsage();
    const t0 = performance.now();
    const created = await core.dispatch('task.create', { name: 'Bench Task', recordingId: (added.value as { id: number }).id, rosterId, start: { mode: 'now' } });
    if (!created.ok) throw new Error(created.error.message);
    const taskId = (created.value as { id: number }).id;
    let peakRss = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const t = core.ctx.db.prepare('SELECT status, n_done FROM tasks WHERE id = ?').get(taskId) as { status: string; n_done: number };
      if (t.status === 'completed') break;
      if (performance.now() - t0 > 60 * 60_000) throw new Error(`stuck at ${t.n_done}/${numbers}`);
    }
    const elapsedS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpuStart);

    const attempts = core.ctx.db.prepare('SELECT started_at, ended_at FROM call_attempts WHERE task_id = ? ORDER BY started_at').all(taskId) as {
      started_at: number;
      ended_at: number;
    }[];
    const outcomes = core.ctx.db.prepare('SELECT outcome, count(*) AS n FROM task_numbers WHERE task_id = ? GROUP BY outcome').all(taskId) as {
      outcome: string;
      n: number;
    }[];
    const starts = attempts.map((a) => a.started_at);
    const maxCps = maxInWindow(starts, 1000);
    const maxChannels = maxOverlap(attempts.map((a) => ({ start: a.started_at, end: a.ended_at })));
    console.log(`task: ${numbers} numbers, ${channels} channels, limit ${cps} calls/s, recording ${seconds} s, sipp UAS by-number.xml`);
    console.log(`  elapsed ${elapsedS.toFixed(1)} s, ${((numbers / elapsedS) * 60).toFixed(0)} numbers per minute`);
    console.log(`  largest calls started in any 1 s window: ${maxCps} (limit ${cps}) ${maxCps <= cps ? 'OK' : 'EXCEEDED'}`);
    console.log(`  largest calls at once: ${maxChannels} (channels ${channels}) ${maxChannels <= channels ? 'OK' : 'EXCEEDED'}`);
    console.log(`  outcomes: ${outcomes.map((o) => `${o.outcome} ${o.n}`).join(', ')}`);
    console.log(`  CPU ${(((cpu.user + cpu.system) / 1e6 / elapsedS) * 100).toFixed(0)}% of one core, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB`);
  } finally {
    await core.stopEngine();
    core.close();
    await sipp.kill();
    tmp.cleanup();
  }
}
