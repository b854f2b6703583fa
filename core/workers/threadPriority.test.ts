import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ThreadScheduling } from '../../shared/host/protocol.js';
import type { SchedulingAsk } from '../../tests/support/schedulingProbe.worker.js';
import startProbe from '../../tests/support/schedulingProbe.worker?nodeWorker';
import { threadScheduling } from './threadPriority.js';

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
    expect(threadScheduling()).toEqual(before);
    expect(before.realtimePriority).toBeNull();
  });

  it('a lowered niceness is read back on that thread only', async () => {
    const before = threadScheduling();
    const { scheduling } = await probe({ niceness: 12 });
    expect(scheduling).toEqual({ realtimePriority: null, niceness: 12 });
    expect(threadScheduling()).toEqual(before);
  });
});
