import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ThreadScheduling } from '../../shared/host/protocol.js';
import type { SchedulingAsk } from '../../tests/support/schedulingProbe.worker.js';
import startProbe from '../../tests/support/schedulingProbe.worker?nodeWorker';
import { REALTIME_CPU_LIMIT_US, threadScheduling } from './threadPriority.js';

async function probe(ask: SchedulingAsk): Promise<{ granted: boolean; scheduling: ThreadScheduling }> {
  const worker = startProbe({ workerData: ask });
  const [report] = (await once(worker, 'message')) as [{ granted: boolean; scheduling: ThreadScheduling }];
  await worker.terminate();
  return report;
}

/** Root, or a user the `audio` group's limits let have real time (RLIMIT_RTPRIO). */
const mayHaveRealtime = process.getuid?.() === 0;

describe.runIf(process.platform === 'linux')('thread scheduling (Linux)', () => {
  it('a thread asking for real time runs SCHED_RR at that priority when allowed, and says so; other threads keep theirs', async () => {
    const before = threadScheduling();
    const { granted, scheduling } = await probe({ realtime: 7 });
    expect(granted).toBe(scheduling.realtimePriority === 7);
    if (mayHaveRealtime) expect(scheduling.realtimePriority).toBe(7);
    // The kernel's watchdog for real-time threads is set for the whole process before any thread gets it.
    if (granted) expect(readFileSync('/proc/self/limits', 'utf8')).toMatch(new RegExp(`Max realtime timeout\\s+${REALTIME_CPU_LIMIT_US}\\s+${REALTIME_CPU_LIMIT_US * 2}\\s+us`));
    expect(threadScheduling()).toEqual(before);
    expect(before.realtimePriority).toBeNull();
  });

  it.runIf(mayHaveRealtime)('a real-time thread that never blocks ends its process (RLIMIT_RTTIME), instead of holding a core', async () => {
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'tests/support/realtimeRunaway.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    // Without the watchdog the thread would spin for ever: the test ends it (and then fails on the signal).
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(guard);
    expect(out.trim()).toBe('granted');
    expect(code).toBeNull();
    // The soft limit's signal; its default action ends the process (the hard limit's SIGKILL is for a process that catches it).
    expect(signal).toBe('SIGXCPU');
  }, 30_000);

  it('a lowered niceness is read back on that thread only', async () => {
    const before = threadScheduling();
    const { scheduling } = await probe({ niceness: 12 });
    expect(scheduling).toEqual({ realtimePriority: null, niceness: 12 });
    expect(threadScheduling()).toEqual(before);
  });
});
