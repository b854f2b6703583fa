import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TASK_STATUSES, TASK_TRANSITIONS, type TaskEvent, type TaskStatus } from '../../shared/tasks/states.js';
import type { CallReport } from '../../shared/types.js';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { seedRecording, seedRoster } from '../../tests/support/seed.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { Lease } from './lease.js';
import { TaskStore } from './taskStore.js';

const NOW = Date.UTC(2026, 0, 5, 2, 0);

describe('TaskStore', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let store: TaskStore;
  let taskId: number;

  beforeEach(() => {
    tmp = makeTempDir();
    t = makeTestContext(tmp.dir, { clock: { now: () => NOW } });
    store = new TaskStore(t.ctx.db);
    const rosterId = seedRoster(t.ctx.db, 3);
    taskId = store.insert(
      {
        name: 'January 2026 Promotion',
        recordingId: seedRecording(t.ctx.db),
        recordingName: 'Promotion Campaign',
        rosterId,
        rosterName: 'Promotion_List_202601',
        startAt: NOW,
        scheduled: false,
        smsDisconnectTemplateId: null,
        smsUnansweredTemplateId: null,
        maxAttempts: 2,
        retryIntervalMs: 60_000,
        callingWindow: { start: '08:00', end: '20:00' },
        dryRun: true,
      },
      NOW,
    );
    store.setTotal(taskId, store.copyRosterNumbers(taskId, rosterId, NOW));
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  const setStatus = (status: TaskStatus) => t.ctx.db.prepare('UPDATE tasks SET status = ? WHERE id = ?').run(status, taskId);

  it('moves a task only along TASK_TRANSITIONS: each event from each status', () => {
    for (const event of Object.keys(TASK_TRANSITIONS) as TaskEvent[]) {
      const { from, to } = TASK_TRANSITIONS[event];
      for (const status of TASK_STATUSES) {
        setStatus(status);
        const moved = store.transition(taskId, event, NOW + 1);
        expect({ event, status, moved }).toEqual({ event, status, moved: (from as readonly TaskStatus[]).includes(status) });
        expect(store.get(taskId)!.status).toBe(moved ? to : status);
      }
    }
  });

  it('has the statuses the table allows (migration 0002 CHECK) and no other', () => {
    const schema = t.ctx.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'tasks'").pluck().get() as string;
    const allowed = /status IN \(([^)]*)\)/.exec(schema)![1]!.split(',').map((s) => s.trim().replace(/'/g, ''));
    expect(allowed).toEqual([...TASK_STATUSES]);
  });

  it('stamps the start, and the end of a completed or cancelled task; the dialer transitions need its fence', () => {
    const lease = new Lease(t.ctx.db, t.ctx.clock);
    lease.tryAcquire();
    const fence = lease.fence()!;
    expect(store.transition(taskId, 'start', NOW + 5, { fence: { ...fence, epoch: fence.epoch + 1 } })).toBe(false);
    expect(store.transition(taskId, 'start', NOW + 5, { fence, startedLate: true })).toBe(true);
    expect(store.get(taskId)).toMatchObject({ status: 'running', startedAt: NOW + 5, startedLate: true, finishedAt: null });
    expect(store.transition(taskId, 'complete', NOW + 9, { fence })).toBe(true);
    expect(store.get(taskId)).toMatchObject({ status: 'completed', finishedAt: NOW + 9 });
  });

  it('writes a call result and reads the same record back with its attempt', () => {
    const lease = new Lease(t.ctx.db, t.ctx.clock);
    lease.tryAcquire();
    const fence = lease.fence()!;
    store.transition(taskId, 'start', NOW, { fence });
    const task = store.dialing()[0]!;
    expect(task).toEqual({ id: taskId, recordingId: expect.any(Number), maxAttempts: 2, retryIntervalMs: 60_000, callingWindow: { start: '08:00', end: '20:00' }, dryRun: true });
    const { claim } = store.claimNext(fence, task, NOW, () => false);
    expect(store.attempts(claim!.numberId)).toMatchObject([{ state: 'in_flight', outcome: null, playedToEnd: null, dtmf: null, hasTrace: false }]);
    const report: CallReport = {
      outcome: 'answered',
      hungUpBy: 'callee',
      finalStatus: 200,
      q850Cause: 16,
      ringMs: 1200,
      answeredMs: 8000,
      playedMs: 7000,
      playedToEnd: false,
      dtmf: '1#',
      errors: [{ code: 'sip.sessionExpired', message: 'The session expired.', params: { seconds: 90 } }],
    };
    const finals: string[] = [];
    store.finishAttempt(fence, task, claim!, { ...report, trace: [{ at: NOW, direction: 'out', remote: 'udp:192.0.2.1:5060', text: 'INVITE' }] }, NOW + 10_000, (o) => finals.push(o));
    const [attempt] = store.attempts(claim!.numberId);
    const { errors: _errors, ...facts } = report;
    expect(attempt).toEqual({
      ...facts,
      id: claim!.attemptId,
      attemptNo: 1,
      state: 'ended',
      error: 'The session expired.',
      errorCodes: [{ code: 'sip.sessionExpired', params: { seconds: 90 } }],
      dryRun: true,
      startedAt: NOW,
      endedAt: NOW + 10_000,
      hasTrace: true,
    });
    expect(finals).toEqual(['answered']);
    expect(store.get(taskId)!.counts).toMatchObject({ done: 1, answered: 1 });
  });
});
