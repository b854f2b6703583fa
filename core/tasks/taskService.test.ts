import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { seedActiveSmsAccount, seedRecording, seedRoster, seedTemplate } from '../../tests/support/seed.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { AppError } from '../errors.js';
import { TaskService } from './taskService.js';
import { TASK_ATTEMPTS, TASK_RETRY_MINUTES, taskCreateSchema } from '../../shared/tasks/taskSchema.js';
import { problemOfIssue } from '../../shared/validation/coded.js';

/** The code of the AppError `fn` throws (fails the test when it throws nothing or something else). */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  throw new Error('expected an AppError');
}

class ManualClock {
  constructor(public t = Date.UTC(2026, 0, 5, 2, 0)) {}
  now = () => this.t;
}

describe('TaskService', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let clock: ManualClock;
  let tasks: TaskService;
  let changed: number[];
  let recordingId: number;
  let rosterId: number;

  beforeEach(() => {
    tmp = makeTempDir();
    clock = new ManualClock();
    t = makeTestContext(tmp.dir, { clock });
    changed = [];
    tasks = new TaskService(t.ctx, { isDryRun: () => true, onChange: (id) => changed.push(id) });
    recordingId = seedRecording(t.ctx.db);
    rosterId = seedRoster(t.ctx.db, 5);
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  const create = (extra: Partial<Parameters<TaskService['create']>[0]> = {}) =>
    tasks.create({ name: 'January 2026 Promotion', recordingId, rosterId, ...extra });

  /** What the engine does when a task comes due (the engine has its own tests). */
  const startAsEngine = (id: number) =>
    t.ctx.db.prepare("UPDATE tasks SET status = 'running', started_at = ? WHERE id = ?").run(clock.t, id);

  it('creates a task that runs now (a schedule due now) with a copy of every roster number, and says so', () => {
    const task = create();
    expect(task).toMatchObject({ name: 'January 2026 Promotion', status: 'scheduled', startAt: clock.t, total: 5, dryRun: true, scheduled: false });
    const n = t.ctx.db.prepare('SELECT count(*) AS n FROM task_numbers WHERE task_id = ?').get(task.id) as { n: number };
    expect(n.n).toBe(5);
    expect(changed).toEqual([task.id]);
    expect(t.eventsOf('task.changed')).toEqual([{ taskId: task.id }]);
  });

  it('creates a scheduled task for a future instant and refuses one in the past', () => {
    const later = clock.t + 3_600_000;
    expect(create({ startAt: later })).toMatchObject({ status: 'scheduled', startAt: later, scheduled: true });
    expect(codeOf(() => create({ name: 'Too Late', startAt: clock.t - 1 }))).toBe('task.startInPast');
  });

  it('trims the name and refuses names the wizard refuses', () => {
    expect(create({ name: '  Promo 2026 ' }).name).toBe('Promo 2026');
    expect(codeOf(() => create({ name: 'Promo @ 50%' }))).toBe('task.nameBadCharacters');
    expect(codeOf(() => create({ name: 'Promo  2026' }))).toBe('task.nameBadSpaces');
    expect(codeOf(() => create({ name: '   ' }))).toBe('task.nameEmpty');
    expect(codeOf(() => create({ name: 'x'.repeat(61) }))).toBe('task.nameTooLong');
  });

  it('refuses retries, windows and missing parts with their own codes', () => {
    expect(codeOf(() => create({ maxAttempts: 11 }))).toBe('task.badAttempts');
    expect(codeOf(() => create({ maxAttempts: 3, retryIntervalMinutes: 0 }))).toBe('task.badRetryInterval');
    expect(codeOf(() => create({ callingWindow: { start: '08:00', end: '08:00' } }))).toBe('task.badWindow');
    expect(codeOf(() => create({ callingWindow: { start: '8:00', end: '20:00' } }))).toBe('task.badWindowStart');
    expect(codeOf(() => create({ recordingId: 999 }))).toBe('task.recordingMissing');
    expect(codeOf(() => create({ rosterId: 999 }))).toBe('task.rosterMissing');
    expect(codeOf(() => create({ rosterId: seedRoster(t.ctx.db, 0, 'Empty') }))).toBe('task.rosterEmpty');
    expect(t.ctx.db.prepare('SELECT count(*) AS n FROM tasks').get()).toEqual({ n: 0 });
  });

  it('applies the shared task schema: the same bounds and the same sentence as the contract and the wizard', () => {
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof AppError) return { code: err.code, message: err.message, params: err.params };
      }
      throw new Error('expected an AppError');
    };
    const fields = { maxAttempts: 3, retryIntervalMinutes: 1441 };
    const schema = taskCreateSchema.safeParse({ name: 'Retry Check', recordingId, rosterId, start: { mode: 'now' }, ...fields });
    expect(schema.success).toBe(false);
    expect(refusal(() => create({ name: 'Retry Check', ...fields }))).toEqual(problemOfIssue(schema.error!.issues[0]!));
    // The edges are accepted, and stored as the engine reads them.
    const task = create({ name: 'Retry Edges', maxAttempts: TASK_ATTEMPTS.max, retryIntervalMinutes: TASK_RETRY_MINUTES.max, callingWindow: { start: '22:00', end: '06:00' } });
    expect(task).toMatchObject({ maxAttempts: 10, retryIntervalMinutes: 1440, callingWindow: { start: '22:00', end: '06:00' } });
    expect(t.ctx.db.prepare('SELECT retry_interval_ms FROM tasks WHERE id = ?').pluck().get(task.id)).toBe(1440 * 60_000);
    // Without retries the interval is not used: 0 is accepted and stored as no interval.
    expect(create({ name: 'No Retries', maxAttempts: 1, retryIntervalMinutes: 0 }).retryIntervalMinutes).toBe(0);
    expect(codeOf(() => tasks.rename(task.id, 'Retry #2'))).toBe('task.nameBadCharacters');
    expect(tasks.rename(task.id, ' Retry Two ').name).toBe('Retry Two');
  });

  it('takes SMS follow-ups only with an active account and approved templates', () => {
    const approved = seedTemplate(t.ctx.db, 'Terima kasih {name}', 'approved');
    const pending = seedTemplate(t.ctx.db, 'Maaf kami tidak dapat menghubungi', 'pending');
    expect(codeOf(() => create({ smsDisconnectTemplateId: approved }))).toBe('task.smsAccountInactive');
    seedActiveSmsAccount(t.ctx.db);
    expect(codeOf(() => create({ smsUnansweredTemplateId: pending }))).toBe('task.templateNotApproved');
    expect(create({ smsDisconnectTemplateId: approved })).toMatchObject({ smsDisconnectTemplateId: approved });
  });

  it('moves through pause, resume and cancel, and refuses moves the state machine has not got', () => {
    const task = create();
    startAsEngine(task.id);
    expect(tasks.pause(task.id).status).toBe('paused');
    expect(codeOf(() => tasks.pause(task.id))).toBe('task.cannotPause');
    expect(tasks.resume(task.id).status).toBe('running');
    expect(codeOf(() => tasks.resume(task.id))).toBe('task.cannotResume');
    clock.t += 1000;
    const cancelled = tasks.cancel(task.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', finishedAt: clock.t });
    expect(codeOf(() => tasks.cancel(task.id))).toBe('task.cannotCancel');
    expect(codeOf(() => tasks.retryUncertain(task.id))).toBe('task.cancelled');
  });

  it('resumes a task paused before its start back to scheduled, not running', () => {
    const task = create({ startAt: clock.t + 60_000 });
    tasks.pause(task.id);
    expect(tasks.resume(task.id).status).toBe('scheduled');
  });

  it('refuses to delete a running task or one with a connected call, and deletes it otherwise', () => {
    const task = create();
    startAsEngine(task.id);
    expect(codeOf(() => tasks.remove(task.id))).toBe('task.deleteRunning');
    tasks.pause(task.id);
    t.ctx.db.prepare("UPDATE task_numbers SET state = 'dialing' WHERE id = (SELECT min(id) FROM task_numbers WHERE task_id = ?)").run(task.id);
    expect(codeOf(() => tasks.remove(task.id))).toBe('task.deleteInFlight');
    t.ctx.db.prepare("UPDATE task_numbers SET state = 'pending' WHERE task_id = ?").run(task.id);
    tasks.remove(task.id);
    expect(codeOf(() => tasks.get(task.id))).toBe('task.notFound');
    expect(t.ctx.db.prepare('SELECT count(*) AS n FROM task_numbers WHERE task_id = ?').get(task.id)).toEqual({ n: 0 });
  });

  it('puts uncertain numbers back to pending with the counters, and reopens a completed task', () => {
    const task = create();
    const db = t.ctx.db;
    db.prepare("UPDATE task_numbers SET state = 'uncertain' WHERE task_id = ? AND id IN (SELECT id FROM task_numbers WHERE task_id = ? LIMIT 2)").run(task.id, task.id);
    db.prepare("UPDATE task_numbers SET state = 'done', outcome = 'answered' WHERE task_id = ? AND state = 'pending'").run(task.id);
    db.prepare("UPDATE tasks SET status = 'completed', n_done = 5, n_uncertain = 2, n_answered = 3, finished_at = 1 WHERE id = ?").run(task.id);
    const after = tasks.retryUncertain(task.id);
    expect(after).toMatchObject({ status: 'running', finishedAt: null });
    const row = db.prepare('SELECT n_done, n_uncertain FROM tasks WHERE id = ?').get(task.id);
    expect(row).toEqual({ n_done: 3, n_uncertain: 0 });
    expect(tasks.numbers(task.id, 'pending', 1, 10).total).toBe(2);
    expect(tasks.numbers(task.id, 'answered', 1, 10).total).toBe(3);
    expect(codeOf(() => tasks.numbers(task.id, 'bogus' as never, 1, 10))).toBe('task.badFilter');
  });

  it('says whether an unfinished task still uses a recording, roster or template', () => {
    seedActiveSmsAccount(t.ctx.db);
    const template = seedTemplate(t.ctx.db, 'Halo {name}', 'approved');
    const task = create({ smsUnansweredTemplateId: template });
    expect([tasks.usesRecording(recordingId), tasks.usesRoster(rosterId), tasks.usesTemplate(template)]).toEqual([true, true, true]);
    tasks.cancel(task.id);
    expect([tasks.usesRecording(recordingId), tasks.usesRoster(rosterId), tasks.usesTemplate(template)]).toEqual([false, false, false]);
  });

  it('lists tasks newest first, a page at a time, by status', () => {
    const a = create({ name: 'Task A' });
    const b = create({ name: 'Task B' });
    tasks.pause(a.id);
    expect(tasks.list(1, 1).items.map((x) => x.id)).toEqual([b.id]);
    expect(tasks.list(2, 1)).toMatchObject({ total: 2, page: 2 });
    expect(tasks.list(1, 10, 'paused').items.map((x) => x.id)).toEqual([a.id]);
  });
});
