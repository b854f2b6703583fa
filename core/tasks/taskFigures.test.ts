import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseWib } from '../../shared/time/wib.js';
import type { CallOutcome, SmsSendResult } from '../../shared/types.js';
import { seedActiveSmsAccount, seedRecording, seedRoster, seedTemplate } from '../../tests/support/seed.js';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { AppError } from '../errors.js';
import { DialingEngine } from './engine.js';
import { Lease } from './lease.js';
import { SmsOutbox } from '../sms/outbox.js';
import { TaskFigures } from './taskFigures.js';
import { TaskService } from './taskService.js';
import type { CallPlacer, CallReport, PlaceCallRequest } from './types.js';
import type { SmsClient } from '../sms/providers/types.js';

/**
 * The dashboard and task-page figures, "call again" and duplicate names,
 * against a real store written by the real engine. The gateway holds every
 * call until the test ends it, after moving the clock on, so the times the
 * engine stores (and so the averages and buckets) are known exactly.
 */
class ManualClock {
  constructor(public t: number) {}
  now = () => this.t;
}

function report(outcome: CallOutcome): CallReport {
  return { outcome, hungUpBy: null, finalStatus: null, q850Cause: null, ringMs: null, answeredMs: null, playedMs: null, playedToEnd: null, dtmf: '', errors: [] };
}

/** Holds each call; `endAll` ends them with the outcome `outcomeOf(number)`. */
class HeldGateway implements CallPlacer {
  readonly dryRun = false;
  readonly callsPerSecond = 1000;
  private held: { to: string; resolve: (r: CallReport) => void }[] = [];
  constructor(
    readonly channels: number,
    private readonly outcomeOf: (to: string) => CallOutcome,
  ) {}
  call(req: PlaceCallRequest): Promise<CallReport> {
    return new Promise((resolve) => this.held.push({ to: req.to, resolve }));
  }
  endAll(): void {
    for (const call of this.held.splice(0)) call.resolve(report(this.outcomeOf(call.to)));
  }
}

class AcceptingSender implements SmsClient {
  async send(): Promise<SmsSendResult> {
    return { accepted: true, providerMessageId: 'm', httpStatus: 200, providerAnswer: 'ok', attempts: 1 };
  }
}

/** Numbers of seedRoster end in their index: 0-3 answered, 4-6 busy, 7-8 no answer, 9 invalid, by the last digit. */
function byLastDigit(to: string): CallOutcome {
  const d = Number(to.slice(-1));
  if (d <= 3) return 'answered';
  if (d <= 6) return 'busy';
  if (d <= 8) return 'noAnswer';
  return 'invalidNumber';
}

describe('task figures, call again and task names', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let test: TestContext;
  let clock: ManualClock;
  let tasks: TaskService;
  let engine: DialingEngine;
  let outbox: SmsOutbox;
  let figures: TaskFigures;
  let gateway: HeldGateway;

  beforeEach(() => {
    tmp = makeTempDir();
    // 23:00 WIB on 5 January 2026 (16:00 UTC): WIB's midnight is an hour away, UTC's eight.
    clock = new ManualClock(parseWib('2026-01-05 23:00')!);
    test = makeTestContext(tmp.dir, { clock });
    gateway = new HeldGateway(4, byLastDigit);
    // As Core wires it: a user's change to a task drops the kept per-minute sums.
    tasks = new TaskService(test.ctx, { isDryRun: () => false, onChange: () => figures.forget() });
    outbox = new SmsOutbox(test.ctx, { realSender: () => new AcceptingSender(), dryRunSender: new AcceptingSender() });
    engine = new DialingEngine(test.ctx, { placer: (dryRun) => (dryRun ? null : gateway), lease: new Lease(test.ctx.db, clock), outbox });
    figures = new TaskFigures(test.ctx, {
      engineStatus: () => ({ dialing: true, otherHolder: null, activeCalls: engine.activeCalls, gateway: 'sip', gatewayState: 'ready', gatewayError: null, tasksWaitingForGateway: 0 }),
      activeCallsOf: (id) => engine.activeCallsOf(id),
      channelLimit: () => gateway.channels,
    });
  });
  afterEach(() => {
    test.close();
    tmp.cleanup();
  });

  function createTask(count: number, name = 'January 2026 Promotion', extra: Partial<Parameters<TaskService['create']>[0]> = {}) {
    const db = test.ctx.db;
    seedActiveSmsAccount(db);
    return tasks.create({
      name,
      recordingId: seedRecording(db),
      rosterId: seedRoster(db, count),
      smsDisconnectTemplateId: seedTemplate(db, 'Thanks {name}'),
      smsUnansweredTemplateId: seedTemplate(db, 'Sorry {name}'),
      ...extra,
    });
  }

  /** One round: start calls on the free channels, let `ms` pass, end them all, record the results and SMS. */
  async function round(ms: number): Promise<void> {
    await engine.tick();
    clock.t += ms;
    gateway.endAll();
    await engine.idle();
    await outbox.idle();
  }

  it('counts the calls of the WIB day by outcome, the last minute, the last hour by minute, and the SMS', async () => {
    clock.t = parseWib('2026-01-05 23:30')!;
    createTask(20);
    for (let i = 0; i < 5; i++) await round(30_000); // 4 channels, 20 numbers: 5 rounds of 30 s
    await engine.tick(); // completes the task, pumps the last SMS
    await outbox.idle();

    const day = figures.dashboard();
    // seedRoster's numbers end in 0..19: last digits 0-3 twice, 4-6 twice, 7-8 twice, 9 twice.
    expect(day.today).toMatchObject({ answered: 8, busy: 6, noAnswer: 4, invalidNumber: 2, poweredOff: 0, rejected: 0, failed: 0 });
    expect(day.todayAnswerRate).toBeCloseTo(8 / 20);
    expect(day.smsSentToday).toBe(18); // answered + busy + no answer get an SMS; invalid numbers none
    expect(day.smsFailedToday).toBe(0);
    expect(day.callsPerMinute).toBe(8); // the last two rounds ended within the last 60 s
    expect(day.lastHour.buckets).toHaveLength(60);
    expect(day.lastHour.buckets.reduce((n, b) => n + b.answered + b.busy + b.noAnswer + b.invalidNumber, 0)).toBe(20);
    expect(day.runningTasks).toEqual([]);
    expect(day.channelLimit).toBe(4);

    // Past midnight WIB (still 17:10 UTC): a new day with no calls, while the last hour still shows them.
    clock.t = parseWib('2026-01-06 00:10')!;
    const next = figures.dashboard();
    expect(next.dayStart).toBe(parseWib('2026-01-06 00:00'));
    expect(Object.values(next.today).every((n) => n === 0)).toBe(true);
    expect(next.todayAnswerRate).toBeNull();
    expect(next.smsSentToday).toBe(0);
    expect(next.callsPerMinute).toBe(0);
    expect(next.lastHour.buckets.reduce((n, b) => n + b.answered, 0)).toBe(8);
  });

  it('keeps the sums of minutes that are over, yet counts new calls and forgets a deleted task\'s', async () => {
    clock.t = parseWib('2026-01-05 10:00')!;
    const first = createTask(8, 'First Task');
    await round(30_000);
    await round(30_000); // all 8 ended, at 10:00:30 and 10:01:00
    clock.t += 120_000; // both minutes are over and kept
    expect(figures.dashboard().today.answered).toBe(4);

    const second = createTask(12, 'Second Task');
    await round(10_000); // 4 more ended in the current minute
    const day = figures.dashboard();
    expect(Object.values(day.today).reduce((a, b) => a + b, 0)).toBe(12);
    expect(day.lastHour.buckets.reduce((n, b) => n + Object.values(b).reduce((x, y) => x + y, 0), 0)).toBe(12);

    // Deleting a task deletes its calls: they leave today's figures, kept minutes or not.
    tasks.remove(first.id);
    expect(Object.values(figures.dashboard().today).reduce((a, b) => a + b, 0)).toBe(4);
    expect(tasks.get(second.id).counts.done).toBe(4);
  });

  it('gives a running task its outcomes, answer rate, SMS by state, elapsed time and estimated finish', async () => {
    const task = createTask(100);
    for (let i = 0; i < 5; i++) await round(30_000);
    await engine.tick(); // 4 more calls connected now
    await outbox.idle();

    const stats = figures.task(task.id);
    expect(stats.byOutcome).toMatchObject({ answered: 8, busy: 6, noAnswer: 4, invalidNumber: 2 });
    expect(stats.answerRate).toBeCloseTo(8 / 20);
    expect(stats.smsByState).toEqual({ sent: 18 });
    expect(stats.remaining).toBe(80);
    expect(stats.channelsInUse).toBe(4);
    expect(stats.averageAttemptMs).toBe(30_000);
    expect(stats.elapsedMs).toBe(150_000);
    // 80 numbers × 30 s ÷ 4 channels = 600 s from now.
    expect(stats.estimate).toBe('estimated');
    expect(stats.estimatedFinishAt).toBe(clock.t + 600_000);
    expect(stats.callsOverTime.bucketMs).toBe(60_000);
    expect(stats.callsOverTime.buckets.reduce((n, b) => n + b.answered + b.busy + b.noAnswer + b.invalidNumber, 0)).toBe(20);
    expect(stats.nameColumn).toBe('name');

    // The running task is on the dashboard with its connected calls.
    const day = figures.dashboard();
    expect(day.runningTasks).toEqual([{ id: task.id, name: task.name, done: 20, total: 100, answered: 8, dryRun: false, activeCalls: 4 }]);

    // Paused, it has no estimate; the calls still connected finish.
    tasks.pause(task.id);
    expect(figures.task(task.id).estimate).toBe('paused');
    gateway.endAll();
    await engine.idle();
  });

  it('estimates through the calling window: work left after it closes continues when it opens (WIB)', async () => {
    // The window closes at 23:30; it is 23:00 now.
    const task = createTask(100, 'Night Window', { callingWindow: { start: '08:00', end: '23:30' } });
    await round(30_000);
    await engine.tick();
    const stats = figures.task(task.id);
    // 96 numbers × 30 s ÷ 4 = 720 s: 23:00:30 + 12 min is before 23:30.
    expect(stats.estimatedFinishAt).toBe(clock.t + 720_000);
    clock.t = parseWib('2026-01-05 23:25')!;
    // 5 minutes left today, 7 more from 08:00 tomorrow.
    expect(figures.task(task.id).estimatedFinishAt).toBe(parseWib('2026-01-06 08:07'));
    gateway.endAll();
    await engine.idle();
  });

  it('searches the numbers by number (0812... as +62812...) and by name, and shows the name column', async () => {
    const task = createTask(30);
    const all = tasks.numbers(task.id, 'all', 1, 50, undefined, 'name');
    expect(all.items[0]).toMatchObject({ phoneE164: '+6281210000000', name: 'Customer 0' });
    const byNational = tasks.numbers(task.id, 'all', 1, 50, '0812-1000-0012', 'name');
    expect(byNational.items.map((n) => n.phoneE164)).toEqual(['+6281210000012']);
    const byPart = tasks.numbers(task.id, 'all', 1, 50, '0001', 'name');
    expect(byPart.total).toBe(11); // ...0000001, and ...0000010 to ...0000019
    const byName = tasks.numbers(task.id, 'all', 1, 50, 'customer 2', 'name');
    expect(byName.items.map((n) => n.name)).toEqual(['Customer 2', ...Array.from({ length: 10 }, (_, i) => `Customer 2${i}`)]);
    expect(tasks.numbers(task.id, 'all', 1, 50, '100%', 'name').total).toBe(0);
    expect(tasks.numbers(task.id, 'all', 1, 50, undefined, null).items[0]!.name).toBeNull();
  });

  it('calls again the numbers of the chosen outcomes in a new task with the same settings', async () => {
    const source = createTask(20, 'January 2026 Promotion', { maxAttempts: 2, retryIntervalMinutes: 5, callingWindow: { start: '08:00', end: '20:00' } });
    // Reach every number's final outcome without retries: the window holds calls now (23:00), so set it aside for the test.
    test.ctx.db.prepare('UPDATE tasks SET max_attempts = 1, window_start = NULL, window_end = NULL WHERE id = ?').run(source.id);
    for (let i = 0; i < 5; i++) await round(10_000);
    test.ctx.db.prepare("UPDATE tasks SET max_attempts = 2, window_start = '08:00', window_end = '20:00' WHERE id = ?").run(source.id);

    const again = tasks.callAgain(source.id, { name: 'January 2026 Promotion again', outcomes: ['busy', 'noAnswer'] });
    expect(again.total).toBe(10); // 6 busy + 4 no answer
    expect(again).toMatchObject({
      recordingId: source.recordingId,
      rosterId: source.rosterId,
      rosterName: source.rosterName,
      smsDisconnectTemplateId: source.smsDisconnectTemplateId,
      smsUnansweredTemplateId: source.smsUnansweredTemplateId,
      maxAttempts: 2,
      retryIntervalMinutes: 5,
      callingWindow: { start: '08:00', end: '20:00' },
      status: 'scheduled',
    });
    const numbers = tasks.numbers(again.id, 'all', 1, 50, undefined, 'name').items;
    expect(numbers.every((n) => n.state === 'pending' && ['busy', 'noAnswer'].includes(byLastDigit(n.phoneE164)))).toBe(true);
    expect(numbers[0]!.name).toMatch(/^Customer \d+$/); // the roster's columns come along for the SMS and the name column

    // No number ended powered off: refused, and no empty task is left behind.
    const before = tasks.list(1, 50).total;
    expect(() => tasks.callAgain(source.id, { name: 'Powered off again', outcomes: ['poweredOff'] })).toThrow(
      expect.objectContaining({ code: 'task.callAgainNoNumbers' }),
    );
    expect(() => tasks.callAgain(source.id, { name: 'Nothing chosen', outcomes: [] })).toThrow(expect.objectContaining({ code: 'task.callAgainNoOutcome' }));
    // The name is checked as any task's.
    expect(() => tasks.callAgain(source.id, { name: 'January 2026 Promotion', outcomes: ['busy'] })).toThrow(expect.objectContaining({ code: 'task.nameTaken' }));
    expect(tasks.list(1, 50).total).toBe(before);
  });

  it('refuses a second task with the same name on create and on rename, whatever the case', () => {
    const first = createTask(3, 'January 2026 Promotion');
    let error: unknown;
    try {
      createTask(3, 'january 2026 PROMOTION');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'task.nameTaken', params: { name: 'January 2026 Promotion' } });
    expect((error as AppError).message).toContain('A task named "January 2026 Promotion" already exists');

    const second = createTask(3, 'February 2026 Promotion');
    expect(() => tasks.rename(second.id, 'January 2026 Promotion')).toThrow(expect.objectContaining({ code: 'task.nameTaken' }));
    expect(tasks.get(second.id).name).toBe('February 2026 Promotion');
    // Its own name (or a change of case) is not a clash.
    expect(tasks.rename(first.id, 'JANUARY 2026 Promotion').name).toBe('JANUARY 2026 Promotion');
  });
});
