import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { SmsSendResult } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { FileKeySecretBox } from '../credentials/secretBox.js';
import { SecretStore } from '../credentials/secretStore.js';
import { openDatabase, type Db } from '../db/database.js';
import { BlobStore } from '../files/blobStore.js';
import { silentLogger } from '../log.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { phoneFor, seedActiveSmsAccount, seedRecording, seedRoster, seedTemplate } from '../../tests/support/seed.js';
import { DoNotCallService } from '../dnc/doNotCallService.js';
import { DialingEngine } from './engine.js';
import { Lease } from './lease.js';
import { SmsOutbox } from '../sms/outbox.js';
import { TaskService } from './taskService.js';
import type { CallPlacer, CallReport, PlaceCallRequest } from './types.js';
import type { SmsClient } from '../sms/providers/types.js';
import type { CallOutcome } from '../../shared/types.js';

class ManualClock {
  constructor(public t = Date.UTC(2026, 0, 5, 2, 0)) {}
  now = () => this.t;
}

function report(outcome: CallOutcome): CallReport {
  return { outcome, hungUpBy: outcome === 'answered' ? 'callee' : null, finalStatus: outcome === 'answered' ? 200 : 486, q850Cause: null, ringMs: 1, answeredMs: null, playedMs: null, playedToEnd: null, dtmf: '', errors: [] };
}

/** A gateway whose calls the test finishes by hand, recording every number it was asked to call. */
class ScriptedGateway implements CallPlacer {
  dryRun = false;
  calls: string[] = [];
  maxConcurrent = 0;
  /** Held calls by call number (two tasks may call the same phone number at once). */
  private open = new Map<number, (r: CallReport) => void>();
  constructor(
    public channels: number,
    public callsPerSecond: number,
    private outcomeFor: (to: string, attempt: number) => CallOutcome | 'hold',
  ) {}
  call(req: PlaceCallRequest): Promise<CallReport> {
    this.calls.push(req.to);
    const attempt = this.calls.filter((c) => c === req.to).length;
    const outcome = this.outcomeFor(req.to, attempt);
    if (outcome !== 'hold') return Promise.resolve(report(outcome));
    this.maxConcurrent = Math.max(this.maxConcurrent, this.open.size + 1);
    const key = this.calls.length;
    return new Promise((resolve) => {
      this.open.set(key, resolve);
      req.signal.addEventListener('abort', () => resolve(report('noAnswer')));
    });
  }
  finishAll(outcome: CallOutcome): void {
    for (const [key, resolve] of this.open) {
      this.open.delete(key);
      resolve(report(outcome));
    }
  }
  get holding(): number {
    return this.open.size;
  }
}

class RecordingSender implements SmsClient {
  sent: { to: string; text: string }[] = [];
  async send(m: { to: string; text: string }): Promise<SmsSendResult> {
    this.sent.push(m);
    return { accepted: true, providerMessageId: `m${this.sent.length}`, httpStatus: 200, providerAnswer: 'ok', attempts: 1 };
  }
}

describe('DialingEngine', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let db: Db;
  let clock: ManualClock;
  let ctx: CoreContext;
  let events: number[];

  beforeEach(async () => {
    tmp = makeTempDir();
    db = openDatabase(join(tmp.dir, 'a.db'));
    clock = new ManualClock();
    events = [];
    const blobs = new BlobStore(join(tmp.dir, 'files'));
    await blobs.init();
    ctx = {
      dataDir: tmp.dir,
      db,
      blobs,
      secrets: new SecretStore(db, new FileKeySecretBox(join(tmp.dir, 'k')), clock),
      clock,
      log: silentLogger,
      emit: (event, payload) => {
        if (event === 'task.changed') events.push((payload as { taskId: number }).taskId);
      },
      fetch: globalThis.fetch,
    };
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  function build(gateway: CallPlacer, sender = new RecordingSender(), leaseDb = db) {
    const lease = new Lease(leaseDb, clock);
    const outbox = new SmsOutbox({ ...ctx, db: leaseDb }, { realSender: () => sender, dryRunSender: sender });
    const engine = new DialingEngine({ ...ctx, db: leaseDb }, { placer: (dryRun) => (dryRun === gateway.dryRun ? gateway : null), lease, outbox });
    return { engine, sender, lease, outbox };
  }

  async function settle(engine: DialingEngine, outbox: SmsOutbox) {
    await engine.idle();
    await outbox.idle();
    await engine.tick();
    await outbox.idle();
  }

  function taskWith(count: number, extra: Partial<Parameters<TaskService['create']>[0]> = {}) {
    const tasks = new TaskService(ctx, { isDryRun: () => false });
    seedActiveSmsAccount(db);
    const disconnect = seedTemplate(db, 'Thanks {name}!');
    const unanswered = seedTemplate(db, 'Sorry we missed you {name}');
    const task = tasks.create({
      name: 'January 2026 Promotion',
      recordingId: seedRecording(db),
      rosterId: seedRoster(db, count),
      smsDisconnectTemplateId: disconnect,
      smsUnansweredTemplateId: unanswered,
      ...extra,
    });
    return { tasks, task };
  }

  it('gives every number exactly one final outcome and the SMS its outcome asks for', async () => {
    const { tasks, task } = taskWith(30);
    const outcomes: CallOutcome[] = ['answered', 'busy', 'noAnswer', 'poweredOff', 'invalidNumber', 'rejected', 'failed'];
    const gw = new ScriptedGateway(100, 1000, (to) => outcomes[Number(to.slice(-2)) % outcomes.length]!);
    const { engine, sender, outbox } = build(gw);
    for (let i = 0; i < 5; i++) {
      await engine.tick();
      await settle(engine, outbox);
    }
    const t = tasks.get(task.id);
    expect(t.status).toBe('completed');
    expect(gw.calls).toHaveLength(30);
    expect(new Set(gw.calls).size).toBe(30);
    expect(t.counts.done).toBe(30);
    expect(t.counts.answered + t.counts.unanswered + t.counts.invalid + t.counts.rejected + t.counts.failed).toBe(30);
    // answered -> disconnect template; busy/no answer/powered off -> unanswered; others none.
    const expectedSms = t.counts.answered + t.counts.unanswered;
    expect(sender.sent).toHaveLength(expectedSms);
    expect(t.counts.smsSent).toBe(expectedSms);
    const answeredNumbers = gw.calls.filter((to) => outcomes[Number(to.slice(-2)) % outcomes.length] === 'answered');
    for (const to of answeredNumbers) expect(sender.sent.find((m) => m.to === to)?.text).toMatch(/^Thanks Customer \d+!$/);
    expect(new Set(sender.sent.map((m) => m.to)).size).toBe(sender.sent.length);
    expect(events).toContain(task.id);
  });

  it('skips do-not-call numbers, counted apart and never dialled, including one listed while the task runs', async () => {
    const { tasks, task } = taskWith(6, { maxAttempts: 2, retryIntervalMinutes: 5 });
    const dnc = new DoNotCallService(ctx);
    dnc.add(phoneFor(1));
    dnc.add('0812-1000-0004'); // typed nationally: the same number as phoneFor(4)
    // Numbers 0 and 2 are busy the first time, so they wait for a retry; the others ring on.
    const gw = new ScriptedGateway(2, 100, (to, attempt) => (attempt === 1 && (to === phoneFor(0) || to === phoneFor(2)) ? 'busy' : 'hold'));
    const { engine, sender, outbox } = build(gw);
    await engine.tick();
    await engine.tick();
    // While the task runs: one number not yet called and one waiting for its retry go on the list.
    dnc.add(phoneFor(5));
    dnc.add(phoneFor(2));
    for (let round = 0; round < 6; round++) {
      gw.finishAll('answered');
      await settle(engine, outbox);
      clock.t += 5 * 60_000;
      await engine.tick();
    }
    gw.finishAll('answered');
    await settle(engine, outbox);
    const listed = [phoneFor(1), phoneFor(4), phoneFor(5)];
    for (const to of listed) expect(gw.calls).not.toContain(to);
    expect(gw.calls.filter((to) => to === phoneFor(2))).toHaveLength(1); // its retry was not placed
    const t = tasks.get(task.id);
    expect(t.status).toBe('completed');
    expect(t.counts.doNotCall).toBe(4);
    expect(t.counts.done).toBe(6);
    expect(t.counts.answered).toBe(2); // numbers 0 (on its retry) and 3
    const skipped = tasks.numbers(task.id, 'doNotCall', 1, 50).items;
    expect(skipped.map((n) => n.phoneE164).sort()).toEqual([...listed, phoneFor(2)].sort());
    expect(skipped.every((n) => n.state === 'done' && n.sms === null)).toBe(true);
    for (const to of [...listed, phoneFor(2)]) expect(sender.sent.map((m) => m.to)).not.toContain(to);
  });

  it('never exceeds the channels nor the calls per second, and frees a channel after a no-answer', async () => {
    const { tasks, task } = taskWith(20);
    const gw = new ScriptedGateway(3, 2, () => 'hold');
    const { engine, outbox } = build(gw);
    await engine.tick();
    expect(gw.holding).toBe(2); // 2 calls per second, though 3 channels are free
    clock.t += 1000;
    await engine.tick();
    expect(gw.holding).toBe(3); // now the channel limit holds
    clock.t += 5000;
    await engine.tick();
    expect(gw.holding).toBe(3);
    gw.finishAll('noAnswer');
    await engine.idle();
    clock.t += 1000;
    await engine.tick();
    expect(gw.holding).toBe(2); // no-answer calls gave their channels back
    expect(gw.maxConcurrent).toBeLessThanOrEqual(3);
    gw.finishAll('answered');
    await settle(engine, outbox);
    expect(tasks.get(task.id).counts.done).toBe(5);
  });

  it('retries unanswered numbers exactly as many times as asked, then sends one SMS', async () => {
    const { tasks, task } = taskWith(2, { maxAttempts: 3, retryIntervalMinutes: 5 });
    const gw = new ScriptedGateway(10, 100, () => 'noAnswer');
    const { engine, sender, outbox } = build(gw);
    for (let round = 0; round < 6; round++) {
      await engine.tick();
      await settle(engine, outbox);
      clock.t += 5 * 60_000;
    }
    expect(gw.calls).toHaveLength(6); // 2 numbers x 3 attempts, not one more
    const t = tasks.get(task.id);
    expect(t.status).toBe('completed');
    expect(t.counts.unanswered).toBe(2);
    expect(sender.sent).toHaveLength(2);
    expect(sender.sent[0]!.text).toMatch(/^Sorry we missed you Customer/);
  });

  it('waits for the retry interval before calling a number again', async () => {
    taskWith(1, { maxAttempts: 2, retryIntervalMinutes: 10 });
    const gw = new ScriptedGateway(10, 100, () => 'busy');
    const { engine, outbox } = build(gw);
    await engine.tick();
    await settle(engine, outbox);
    clock.t += 9 * 60_000;
    await engine.tick();
    expect(gw.calls).toHaveLength(1);
    clock.t += 60_000;
    await engine.tick();
    await settle(engine, outbox);
    expect(gw.calls).toHaveLength(2);
  });

  it('pause stops new calls at once while connected calls finish; resume continues', async () => {
    const { tasks, task } = taskWith(10);
    const gw = new ScriptedGateway(2, 100, () => 'hold');
    const { engine, outbox } = build(gw);
    await engine.tick();
    expect(gw.holding).toBe(2);
    tasks.pause(task.id);
    gw.finishAll('answered');
    await settle(engine, outbox);
    clock.t += 10_000;
    await engine.tick();
    expect(gw.calls).toHaveLength(2);
    expect(tasks.get(task.id)).toMatchObject({ status: 'paused', counts: { done: 2, answered: 2 } });
    tasks.resume(task.id);
    await engine.tick();
    expect(gw.calls).toHaveLength(4);
    gw.finishAll('answered');
    await settle(engine, outbox);
  });

  it('stop hangs up the calls of a task cancelled just before it (no tick runs after a stop)', async () => {
    const { tasks, task } = taskWith(4);
    const gw = new ScriptedGateway(2, 100, () => 'hold');
    const { engine, outbox } = build(gw);
    engine.start();
    await engine.tick();
    expect(gw.holding).toBe(2);
    tasks.cancel(task.id);
    await engine.stop(); // before, this waited for calls that nothing would end (the test timed out)
    expect(engine.activeCalls).toBe(0);
    await outbox.idle();
    expect(gw.calls).toHaveLength(2);
    expect(tasks.get(task.id).status).toBe('cancelled');
  });

  it('a task cancelled while the engine stops has its connected calls hung up', async () => {
    const { tasks, task } = taskWith(4);
    const gw = new ScriptedGateway(2, 100, () => 'hold');
    const { engine, outbox } = build(gw);
    engine.start();
    await engine.tick();
    const stopped = engine.stop();
    await Promise.resolve();
    tasks.cancel(task.id); // its onChange is not wired here: wake as the core does
    engine.wake();
    await stopped;
    expect(engine.activeCalls).toBe(0);
    await outbox.idle();
  });

  it('starts a scheduled task at its time, not before', async () => {
    const { tasks } = taskWith(0 + 1, { startAt: clock.t + 60_000 });
    const gw = new ScriptedGateway(10, 100, () => 'answered');
    const { engine, outbox } = build(gw);
    await engine.tick();
    expect(gw.calls).toHaveLength(0);
    clock.t += 59_999;
    await engine.tick();
    expect(gw.calls).toHaveLength(0);
    clock.t += 1;
    await engine.tick();
    await settle(engine, outbox);
    expect(gw.calls).toHaveLength(1);
    expect(tasks.list(1, 10).items[0]).toMatchObject({ status: 'completed', startedLate: false });
  });

  it('marks a task that came due while the app was closed as started late', async () => {
    const { tasks, task } = taskWith(1, { startAt: clock.t + 60_000 });
    clock.t += 3 * 3600_000;
    const gw = new ScriptedGateway(10, 100, () => 'answered');
    const { engine, outbox } = build(gw);
    await engine.tick();
    await settle(engine, outbox);
    expect(tasks.get(task.id)).toMatchObject({ startedLate: true, status: 'completed' });
  });

  it('after a crash, in-flight calls and SMS become uncertain and are never repeated automatically', async () => {
    const { tasks, task } = taskWith(6);
    const gw = new ScriptedGateway(3, 100, () => 'hold');
    const first = build(gw);
    await first.engine.tick();
    expect(gw.calls).toHaveLength(3);
    // Simulate an SMS claimed but not confirmed by the dead process.
    db.prepare(
      "INSERT INTO sms_outbox (task_id, task_number_id, kind, to_e164, text, state, dry_run, created_at, updated_at) SELECT ?, id, 'disconnect', phone_e164, 'x', 'sending', 0, 0, 0 FROM task_numbers WHERE task_id = ? ORDER BY id DESC LIMIT 1",
    ).run(task.id, task.id);
    // The first process dies here (its lease is never released); a new one starts after the lease expired.
    clock.t += 16_000;
    const gw2 = new ScriptedGateway(10, 100, () => 'answered');
    const second = build(gw2);
    await second.engine.tick();
    await settle(second.engine, second.outbox);
    const called = [...gw.calls, ...gw2.calls];
    expect(new Set(called).size).toBe(called.length); // nobody called twice
    expect(gw2.calls).toHaveLength(3);
    const t = tasks.get(task.id);
    expect(t.counts.uncertain).toBe(3);
    expect(t.status).toBe('completed');
    expect(second.sender.sent.map((m) => m.to)).not.toContain(gw.calls[5]);
    const sms = db.prepare("SELECT count(*) AS n FROM sms_outbox WHERE state = 'uncertain'").get() as { n: number };
    expect(sms.n).toBe(1);
    expect(tasks.numbers(task.id, 'uncertain', 1, 50).total).toBe(3);

    // The user chooses to call the uncertain numbers again.
    tasks.retryUncertain(task.id);
    await second.engine.tick();
    await settle(second.engine, second.outbox);
    expect(gw2.calls).toHaveLength(6);
    expect(tasks.get(task.id)).toMatchObject({ status: 'completed', counts: { uncertain: 0, done: 6 } });
  });

  it('lets only one process dial a data folder', async () => {
    taskWith(4);
    const otherDb = openDatabase(join(tmp.dir, 'a.db'));
    try {
      const gwA = new ScriptedGateway(10, 100, () => 'hold');
      const gwB = new ScriptedGateway(10, 100, () => 'hold');
      const a = build(gwA);
      const b = build(gwB, new RecordingSender(), otherDb);
      await a.engine.tick();
      await b.engine.tick();
      expect(gwA.calls).toHaveLength(4);
      expect(gwB.calls).toHaveLength(0);
      clock.t += 10_000;
      await a.engine.tick(); // renews
      clock.t += 10_000;
      await b.engine.tick(); // A renewed 10 s ago: still A's
      expect(gwB.calls).toHaveLength(0);
      gwA.finishAll('answered');
      await a.engine.idle();
    } finally {
      otherDb.close();
    }
  });

  it('shares channels fairly between tasks running at once', async () => {
    const { tasks } = taskWith(10);
    const second = tasks.create({ name: 'Second', recordingId: seedRecording(db), rosterId: seedRoster(db, 10, 'Other') });
    const gw = new ScriptedGateway(4, 100, () => 'hold');
    const { engine } = build(gw);
    await engine.tick();
    const numbersOfSecond = db.prepare('SELECT phone_e164 FROM task_numbers WHERE task_id = ?').all(second.id) as { phone_e164: string }[];
    // Both rosters hold the same numbers here, so count by task through the attempts table.
    const perTask = db.prepare("SELECT task_id, count(*) AS n FROM call_attempts WHERE state = 'in_flight' GROUP BY task_id").all() as { task_id: number; n: number }[];
    expect(numbersOfSecond.length).toBe(10);
    expect(perTask.map((r) => r.n)).toEqual([2, 2]);
    gw.finishAll('answered');
    await engine.idle();
  });
});
