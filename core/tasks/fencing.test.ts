import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallOutcome, SmsSendResult } from '../../shared/types.js';
import { openDatabase, type Db } from '../db/database.js';
import type { Logger } from '../log.js';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { seedActiveSmsAccount, seedRecording, seedRoster, seedTemplate } from '../../tests/support/seed.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { join } from 'node:path';
import { counterMismatches } from './counters.js';
import { DialingEngine } from './engine.js';
import { Lease } from './lease.js';
import { SmsOutbox } from '../sms/outbox.js';
import { TaskService } from './taskService.js';
import type { CallPlacer, CallReport, PlaceCallRequest } from './types.js';
import type { SmsClient } from '../sms/providers/types.js';

function report(outcome: CallOutcome): CallReport {
  return { outcome, hungUpBy: null, finalStatus: outcome === 'answered' ? 200 : 480, q850Cause: null, ringMs: 1, answeredMs: null, playedMs: null, playedToEnd: null, dtmf: '', errors: [] };
}

/** Holds every call until the test ends it; records the numbers and whether each call was hung up (aborted). */
class HeldGateway implements CallPlacer {
  dryRun = false;
  channels = 3;
  callsPerSecond = 100;
  calls: string[] = [];
  aborted = 0;
  private open = new Set<(r: CallReport) => void>();
  call(req: PlaceCallRequest): Promise<CallReport> {
    this.calls.push(req.to);
    return new Promise((resolve) => {
      this.open.add(resolve);
      req.signal.addEventListener('abort', () => {
        this.aborted++;
        this.open.delete(resolve);
        resolve(report('noAnswer'));
      });
    });
  }
  answerAll(): void {
    for (const resolve of this.open) resolve(report('answered'));
    this.open.clear();
  }
}

class CountingSender implements SmsClient {
  sent: string[] = [];
  async send(m: { to: string }): Promise<SmsSendResult> {
    this.sent.push(m.to);
    return { accepted: true, providerMessageId: `m${this.sent.length}`, httpStatus: 200, providerAnswer: 'ok', attempts: 1 };
  }
}

function capturingLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (message, fields) => lines.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => lines.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };
}

describe('fencing: a dialer that lost its lease writes nothing', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let test: TestContext;
  let wall: number;
  let mono: number;
  const others: Db[] = [];

  beforeEach(() => {
    tmp = makeTempDir();
    wall = Date.UTC(2026, 0, 5, 2, 0);
    mono = 1_000;
    test = makeTestContext(tmp.dir, { clock: { now: () => wall } });
  });
  afterEach(() => {
    for (const db of others.splice(0)) db.close();
    test.close();
    tmp.cleanup();
  });

  /** A second process on the same data folder: its own connection, lease, engine and logger. */
  function dialer(gateway: CallPlacer, ownDb = false) {
    const db = ownDb ? openDatabase(join(tmp.dir, 'autocall.db')) : test.ctx.db;
    if (ownDb) others.push(db);
    const log = capturingLogger();
    const ctx = { ...test.ctx, db, log };
    const lease = new Lease(db, ctx.clock, 'dialer', 15_000, { monotonic: () => mono });
    const sender = new CountingSender();
    const outbox = new SmsOutbox(ctx, { realSender: () => sender, dryRunSender: sender });
    const engine = new DialingEngine(ctx, { placer: () => gateway, lease, outbox });
    return { engine, outbox, lease, log, sender, db };
  }

  function taskOf(count: number) {
    const { db } = test.ctx;
    seedActiveSmsAccount(db);
    const tasks = new TaskService(test.ctx, { isDryRun: () => false });
    const task = tasks.create({
      name: 'Fencing',
      recordingId: seedRecording(db),
      rosterId: seedRoster(db, count),
      smsDisconnectTemplateId: seedTemplate(db, 'Thanks {name}'),
    });
    return { tasks, task };
  }

  it('the stop/continue sequence: the woken holder records nothing, places nothing and hangs up', async () => {
    const { tasks, task } = taskOf(6);
    const gwA = new HeldGateway();
    const a = dialer(gwA);
    await a.engine.tick();
    expect(gwA.calls).toHaveLength(3);
    const epochA = a.lease.fence()!.epoch;

    // A is stopped (SIGSTOP) past its TTL; B takes over and recovers A's calls as uncertain.
    wall += 20_000;
    mono += 20_000;
    const gwB = new HeldGateway();
    const b = dialer(gwB, true);
    await b.engine.tick();
    expect(b.lease.fence()!.epoch).toBe(epochA + 1);
    expect(gwB.calls).toHaveLength(3);
    expect(tasks.get(task.id).counts).toMatchObject({ uncertain: 3, done: 3 });

    // The user calls the uncertain numbers again.
    tasks.retryUncertain(task.id);

    // A continues (SIGCONT): its calls end and it ticks. Nothing it does reaches the store.
    gwA.answerAll();
    await a.engine.idle();
    await a.engine.tick();
    expect(gwA.calls).toHaveLength(3); // placed nothing more
    expect(a.log.lines.some((l) => l.message === 'dialer fenced: stopped dialing and hung up its calls')).toBe(true);
    expect(a.log.lines.filter((l) => l.message === 'call result not recorded: the dialing lease was taken over')).toHaveLength(3);
    expect(test.ctx.db.prepare("SELECT count(*) AS n FROM call_attempts WHERE state = 'ended'").get()).toEqual({ n: 0 });
    expect(a.sender.sent).toEqual([]);

    // B finishes everything: every number once by B plus the user's retries, counters equal to the rows.
    for (let i = 0; i < 4; i++) {
      gwB.answerAll();
      await b.engine.idle();
      await b.engine.tick();
      await b.outbox.idle();
    }
    await b.engine.tick();
    const t = tasks.get(task.id);
    expect(t).toMatchObject({ status: 'completed', counts: { done: 6, answered: 6, uncertain: 0, smsSent: 6 } });
    expect(counterMismatches(test.ctx)).toEqual([]);
    expect(b.sender.sent).toHaveLength(6);
    expect(new Set(b.sender.sent).size).toBe(6);
  });

  it('hangs up its connected calls as soon as it finds the lease taken over', async () => {
    taskOf(3);
    const gwA = new HeldGateway();
    const a = dialer(gwA);
    await a.engine.tick();
    wall += 20_000;
    mono += 20_000;
    const b = dialer(new HeldGateway(), true);
    await b.engine.tick();
    await a.engine.tick(); // A's first act after waking: the lease check
    expect(gwA.aborted).toBe(3);
    await a.engine.idle();
    expect(test.ctx.db.prepare("SELECT count(*) AS n FROM call_attempts WHERE state = 'uncertain'").get()).toEqual({ n: 3 });
    expect(a.log.lines.find((l) => l.message === 'stalled past the dialer lease: re-checking it')).toBeDefined();
  });

  it('notices a resume from suspend (wall clock jumped, monotonic did not) and re-checks the lease', async () => {
    taskOf(1);
    const a = dialer(new HeldGateway());
    await a.engine.tick();
    wall += 60_000; // Linux's monotonic clock stands still while the machine sleeps
    await a.engine.tick();
    const line = a.log.lines.find((l) => l.message === 'resumed from suspend: re-checking the dialer lease');
    expect(line?.fields?.suspendedMs).toBe(60_000);
    // Nobody took it meanwhile: still ours, same epoch.
    expect(a.lease.holds()).toBe(true);
  });

  it('rebuilds counters that disagree with the rows when it takes the lease, and logs it', async () => {
    const { tasks, task } = taskOf(2);
    test.ctx.db.prepare('UPDATE tasks SET n_done = 55, n_answered = 7 WHERE id = ?').run(task.id);
    const a = dialer(new HeldGateway());
    await a.engine.tick();
    expect(tasks.get(task.id).counts).toMatchObject({ done: 0, answered: 0 });
    const line = a.log.lines.find((l) => l.message === 'task counters disagreed with the rows; rebuilt from the rows');
    expect(line?.fields).toEqual({ taskId: task.id, counters: { done: { stored: 55, rows: 0 }, answered: { stored: 7, rows: 0 } } });
  });

  it('a released lease is taken at the next epoch, so the old holder stays fenced', () => {
    const a = dialer(new HeldGateway());
    expect(a.lease.tryAcquire()).toBe('acquired');
    const first = a.lease.fence()!;
    a.lease.release();
    const b = dialer(new HeldGateway(), true);
    expect(b.lease.tryAcquire()).toBe('acquired');
    expect(b.lease.fence()!.epoch).toBe(first.epoch + 1);
    expect(a.lease.tryAcquire()).toBeNull();
  });
});
