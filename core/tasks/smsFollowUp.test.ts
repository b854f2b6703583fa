import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SmsProvider } from '../../shared/types.js';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { phoneFor, seedActiveSmsAccount, seedRecording, seedRoster, seedTemplate } from '../../tests/support/seed.js';
import { startSmsProviderServer, testSmsAccount, type SmsProviderServer } from '../../tests/support/smsProviderServer.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { openDatabase } from '../db/database.js';
import { AppError } from '../errors.js';
import { SmsAccountService } from '../sms/accountService.js';
import { DialingEngine } from './engine.js';
import { exportTask } from './export.js';
import { Lease } from './lease.js';
import { recoverInterrupted } from './recovery.js';
import { DELIVERY_TRACKING_MS, EXPIRE_BATCH, FIRST_DELIVERY_CHECK_MS, SmsDeliveryPoller } from '../sms/delivery.js';
import { SmsOutbox } from '../sms/outbox.js';
import { TaskService } from './taskService.js';
import { TaskSmsService } from './taskSms.js';
import type { SmsClient } from '../sms/providers/types.js';

class ManualClock {
  constructor(public t = Date.UTC(2026, 0, 5, 2, 0)) {}
  now = () => this.t;
}

const MINUTE = 60_000;

describe('SMS follow-up of a task: delivery reports and uncertain SMS (issue 10)', () => {
  let server: SmsProviderServer;
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let clock: ManualClock;
  let account: SmsAccountService;

  beforeAll(async () => {
    server = await startSmsProviderServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    tmp = makeTempDir('autocall-sms-followup-');
    clock = new ManualClock();
    t = makeTestContext(tmp.dir, { clock });
    account = new SmsAccountService(t.ctx, { sleep: async () => undefined });
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  function useProvider(provider: SmsProvider, config: Record<string, string> = {}) {
    const a = testSmsAccount(provider, server.baseUrl);
    account.save({ ...a, config: { ...a.config, ...config } });
  }

  /** A task of `count` numbers, each done and with its SMS queued, as the engine leaves them after the calls. */
  function taskWithQueuedSms(count: number): number {
    const db = t.ctx.db;
    seedActiveSmsAccount(db);
    const task = new TaskService(t.ctx, { isDryRun: () => false }).create({
      name: 'January 2026 Promotion',
      recordingId: seedRecording(db),
      rosterId: seedRoster(db, count),
      smsDisconnectTemplateId: seedTemplate(db, 'Terima kasih {name}'),
    });
    db.prepare("UPDATE task_numbers SET state = 'done', outcome = 'answered' WHERE task_id = ?").run(task.id);
    db.prepare(
      `INSERT INTO sms_outbox (task_id, task_number_id, kind, to_e164, text, state, dry_run, created_at, updated_at)
       SELECT task_id, id, 'disconnect', phone_e164, 'Terima kasih', 'queued', 0, 0, 0 FROM task_numbers WHERE task_id = ?`,
    ).run(task.id);
    return task.id;
  }

  function build() {
    const outbox = new SmsOutbox(t.ctx, { realSender: () => account.client(), dryRunSender: account.client() });
    const poller = new SmsDeliveryPoller(t.ctx, {
      statusSource: (provider) => {
        const client = account.statusClient(provider);
        return client?.status ? { status: (id) => client.status!(id) } : null;
      },
    });
    return { outbox, poller };
  }

  /** The fence of a dialer that holds the lease, as the engine passes to every write. */
  const leases = new WeakMap<object, Lease>();
  function holderFence() {
    let lease = leases.get(t.ctx);
    if (!lease) leases.set(t.ctx, (lease = new Lease(t.ctx.db, t.ctx.clock)));
    lease.tryAcquire();
    return lease.fence()!;
  }

  async function send(outbox: SmsOutbox) {
    outbox.pump(holderFence(), () => undefined);
    await outbox.idle();
  }

  async function poll(poller: SmsDeliveryPoller) {
    poller.pump();
    await poller.idle();
  }

  const outboxRows = () =>
    t.ctx.db.prepare('SELECT id, state, provider, provider_message_id, sent_at, delivery_state, delivery_detail, delivery_checks, delivery_next_check_at FROM sms_outbox ORDER BY id').all() as {
      id: number;
      state: string;
      provider: string | null;
      provider_message_id: string | null;
      sent_at: number | null;
      delivery_state: string | null;
      delivery_detail: string | null;
      delivery_checks: number;
      delivery_next_check_at: number | null;
    }[];
  /** Status look-ups only (a generic gateway sends by GET too). */
  const lookUps = () => server.requests.filter((r) => /\/Messages\/[^/]+\.json$|^\/sms\/3\/reports$|^\/gateway\/status$/.test(r.path)).length;

  it('Twilio: polls with backoff from the injected clock until delivered or undelivered, and counts them on the task', async () => {
    useProvider('twilio');
    const taskId = taskWithQueuedSms(2);
    const { outbox, poller } = build();
    await send(outbox);
    const sentAt = clock.t;
    expect(outboxRows().map((r) => [r.state, r.provider, r.delivery_state, r.sent_at, r.delivery_next_check_at])).toEqual([
      ['sent', 'twilio', 'pending', sentAt, sentAt + FIRST_DELIVERY_CHECK_MS],
      ['sent', 'twilio', 'pending', sentAt, sentAt + FIRST_DELIVERY_CHECK_MS],
    ]);

    await poll(poller); // not due yet
    expect(lookUps()).toBe(0);
    clock.t += MINUTE;
    await poll(poller);
    expect(lookUps()).toBe(2);
    expect(outboxRows().map((r) => [r.delivery_state, r.delivery_detail, r.delivery_checks, r.delivery_next_check_at])).toEqual([
      ['pending', 'sent', 1, clock.t + 2 * MINUTE],
      ['pending', 'sent', 1, clock.t + 2 * MINUTE],
    ]);

    const [a, b] = outboxRows();
    server.deliver(a!.provider_message_id!, 'delivered');
    server.deliver(b!.provider_message_id!, 'undelivered');
    clock.t += MINUTE; // half-way through the backoff: nothing asked
    await poll(poller);
    expect(lookUps()).toBe(2);
    clock.t += MINUTE;
    await poll(poller);
    expect(outboxRows().map((r) => [r.delivery_state, r.delivery_detail])).toEqual([
      ['delivered', 'delivered'],
      ['undelivered', 'undelivered (Twilio error 30003): Unreachable destination handset'],
    ]);
    const tasks = new TaskService(t.ctx, { isDryRun: () => false });
    expect(tasks.get(taskId)).toMatchObject({ counts: { smsSent: 2, smsDelivered: 1, smsUndelivered: 1, smsExpired: 0 }, smsDeliveryRate: 0.5 });
    expect(tasks.numbers(taskId, 'all', 1, 10).items.map((n) => n.sms?.delivery)).toEqual(['delivered', 'undelivered']);

    // Final: never asked again.
    clock.t += 10 * MINUTE;
    await poll(poller);
    expect(lookUps()).toBe(4);

    // The export carries each number's delivery.
    const file = join(tmp.dir, 'calls.csv');
    await exportTask(t.ctx, taskId, 'csv', file);
    const [header, ...lines] = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n').map((l) => l.split(','));
    const col = (name: string) => header!.indexOf(name);
    expect(lines.map((l) => [l[col('sms_state')], l[col('sms_delivery')], l[col('sms_delivery_detail')]])).toEqual([
      ['sent', 'delivered', 'delivered'],
      ['sent', 'undelivered', 'undelivered (Twilio error 30003): Unreachable destination handset'],
    ]);
    expect(lines[0]![col('sms_delivery_checked_wib')]).toBe('2026-01-05 09:03:00 WIB');
  });

  it('Infobip: a message with no report for 48 hours ends as expired, after a bounded number of look-ups', async () => {
    useProvider('infobip');
    const taskId = taskWithQueuedSms(1);
    const { outbox, poller } = build();
    await send(outbox);
    const sentAt = clock.t;
    while (clock.t < sentAt + DELIVERY_TRACKING_MS + MINUTE) {
      clock.t += 5 * MINUTE;
      await poll(poller);
    }
    const [row] = outboxRows();
    expect(row).toMatchObject({ delivery_state: 'expired', delivery_detail: 'no report yet', delivery_next_check_at: null });
    // 1, 2, 4 ... 60 minutes apart (polled every 5 minutes here): about one an hour, never a flood.
    expect(lookUps()).toBeGreaterThan(40);
    expect(lookUps()).toBeLessThanOrEqual(60);
    expect(new TaskService(t.ctx, { isDryRun: () => false }).get(taskId)).toMatchObject({ counts: { smsExpired: 1 }, smsDeliveryRate: 0 });
  });

  it('expires at most EXPIRE_BATCH messages per pump, so a big campaign does not stall the dialer', async () => {
    useProvider('twilio');
    const taskId = taskWithQueuedSms(EXPIRE_BATCH + 20);
    t.ctx.db.prepare("UPDATE sms_outbox SET state = 'sent', provider = 'twilio', provider_message_id = 'SM' || id, sent_at = ?, delivery_state = 'pending', delivery_next_check_at = ?").run(clock.t, clock.t + DELIVERY_TRACKING_MS + MINUTE);
    const { poller } = build();
    clock.t += DELIVERY_TRACKING_MS;
    await poll(poller);
    const tasks = new TaskService(t.ctx, { isDryRun: () => false });
    expect(tasks.get(taskId).counts.smsExpired).toBe(EXPIRE_BATCH);
    clock.t += 1000;
    await poll(poller);
    expect(tasks.get(taskId).counts.smsExpired).toBe(EXPIRE_BATCH + 20);
    expect(lookUps()).toBe(0);
  });

  it('Infobip: an undeliverable report ends the polling', async () => {
    useProvider('infobip');
    taskWithQueuedSms(1);
    const { outbox, poller } = build();
    await send(outbox);
    server.deliver(outboxRows()[0]!.provider_message_id!, 'undelivered');
    clock.t += MINUTE;
    await poll(poller);
    expect(outboxRows()[0]).toMatchObject({ delivery_state: 'undelivered', delivery_detail: 'UNDELIVERABLE_NOT_DELIVERED (EC_ABSENT_SUBSCRIBER)' });
  });

  it('generic gateway with a status URL is polled; Vonage, Zenziva and a gateway without one are untracked and never asked', async () => {
    useProvider('generic', { statusUrlTemplate: `${server.baseUrl}/gateway/status?u={username}&p={password}&id={messageId}` });
    taskWithQueuedSms(1);
    const { outbox, poller } = build();
    await send(outbox);
    server.deliver(outboxRows()[0]!.provider_message_id!, 'delivered');
    clock.t += MINUTE;
    await poll(poller);
    expect(outboxRows()[0]).toMatchObject({ delivery_state: 'delivered', delivery_detail: expect.stringMatching(/^ID:\d+ DELIVERED$/) });

    for (const provider of ['vonage', 'zenziva', 'generic'] as const) {
      t.ctx.db.prepare('DELETE FROM tasks').run();
      server.reset();
      useProvider(provider, provider === 'generic' ? { statusUrlTemplate: '' } : {});
      taskWithQueuedSms(1);
      await send(outbox);
      expect(outboxRows()[0]).toMatchObject({ state: 'sent', provider, delivery_state: 'untracked' });
      clock.t += 3 * 60 * MINUTE;
      await poll(poller);
      expect(lookUps()).toBe(0);
    }
  });

  it('a message whose provider is no longer the account is asked about no more, and expires', async () => {
    useProvider('twilio');
    taskWithQueuedSms(1);
    const { outbox, poller } = build();
    await send(outbox);
    useProvider('infobip');
    clock.t += MINUTE;
    await poll(poller);
    expect(lookUps()).toBe(0);
    expect(outboxRows()[0]).toMatchObject({ delivery_state: 'pending', delivery_checks: 1, delivery_detail: null });
    clock.t += DELIVERY_TRACKING_MS;
    await poll(poller);
    expect(outboxRows()[0]?.delivery_state).toBe('expired');
  });

  it('only the process holding the dialer lease polls', async () => {
    useProvider('twilio');
    taskWithQueuedSms(2);
    const otherDb = openDatabase(join(tmp.dir, 'autocall.db'));
    try {
      const asked: string[] = [];
      const engineFor = (name: string, db = t.ctx.db) => {
        const ctx = { ...t.ctx, db };
        const outbox = new SmsOutbox(ctx, { realSender: () => account.client(), dryRunSender: account.client() });
        const delivery = new SmsDeliveryPoller(ctx, { statusSource: () => ({ status: async () => (asked.push(name), { state: 'pending', detail: 'sent' }) }) });
        return { engine: new DialingEngine(ctx, { placer: () => null, lease: new Lease(db, clock), outbox, delivery }), outbox, delivery };
      };
      const a = engineFor('a');
      const b = engineFor('b', otherDb);
      await a.engine.tick();
      await a.outbox.idle();
      clock.t += MINUTE;
      await a.engine.tick(); // takes the lease again (nobody took it meanwhile) and polls
      await b.engine.tick(); // A holds it: B neither sends nor polls
      await a.delivery.idle();
      await b.delivery.idle();
      expect(asked).toEqual(['a', 'a']);
    } finally {
      otherDb.close();
    }
  });

  describe('uncertain SMS', () => {
    /** Two SMS a crash left claimed ('sending'), made uncertain by the next process's recovery. */
    function crashLeavesUncertain(): { taskId: number; ids: number[] } {
      useProvider('twilio');
      const taskId = taskWithQueuedSms(3);
      const ids = t.ctx.db.prepare('SELECT id FROM sms_outbox ORDER BY id LIMIT 2').pluck().all() as number[];
      t.ctx.db.prepare(`UPDATE sms_outbox SET state = 'sending', attempts = 1 WHERE id IN (${ids.join(',')})`).run();
      t.ctx.db.prepare("UPDATE sms_outbox SET state = 'sent' WHERE id NOT IN (" + ids.join(',') + ')').run();
      recoverInterrupted(t.ctx, holderFence());
      return { taskId, ids };
    }

    it('are listed, never sent on their own, and sent once each when the user asks', async () => {
      const { taskId, ids } = crashLeavesUncertain();
      const sms = new TaskSmsService(t.ctx);
      const listed = sms.uncertain(taskId);
      expect(listed.map((s) => [s.id, s.rowNumber, s.kind, s.text, s.phoneE164])).toEqual([
        [ids[0], 2, 'disconnect', 'Terima kasih', phoneFor(0)],
        [ids[1], 3, 'disconnect', 'Terima kasih', phoneFor(1)],
      ]);

      const { outbox } = build();
      await send(outbox);
      expect(server.messages).toHaveLength(0); // never on its own

      expect(sms.resend(taskId, [ids[0]!])).toEqual({ requeued: 1 });
      await send(outbox);
      expect(server.messages.map((m) => m.to)).toEqual([listed[0]!.phoneE164]);
      expect(sms.uncertain(taskId).map((s) => s.id)).toEqual([ids[1]]);

      // Already sent again (another window did it): refused, nothing moves.
      const again = (() => {
        try {
          sms.resend(taskId, [ids[0]!, ids[1]!]);
        } catch (err) {
          return err as AppError;
        }
        throw new Error('expected a refusal');
      })();
      expect(again.code).toBe('task.smsNotUncertain');
      expect(again.params).toEqual({ count: 1 });
      expect(sms.uncertain(taskId)).toHaveLength(1);

      expect(sms.resend(taskId, 'all')).toEqual({ requeued: 1 });
      await send(outbox);
      expect(server.messages).toHaveLength(2);
      expect(sms.resend(taskId, 'all')).toEqual({ requeued: 0 });
      expect(new TaskService(t.ctx, { isDryRun: () => false }).get(taskId).counts.smsSent).toBe(2);
      expect(t.ctx.db.prepare('SELECT resent_at FROM sms_outbox WHERE id = ?').pluck().get(ids[0])).toBe(clock.t);
    });

    it('a crash during the resend leaves it uncertain again: claimed before the provider is called', async () => {
      const { taskId, ids } = crashLeavesUncertain();
      const sms = new TaskSmsService(t.ctx);
      let reached = 0;
      const hanging: SmsClient = { provider: 'twilio', send: () => (reached++, new Promise(() => undefined)) };
      const outbox = new SmsOutbox(t.ctx, { realSender: () => hanging, dryRunSender: hanging });
      sms.resend(taskId, 'all');
      outbox.pump(holderFence(), () => undefined);
      expect(reached).toBe(2);
      expect(outboxRows().filter((r) => ids.includes(r.id)).map((r) => r.state)).toEqual(['sending', 'sending']);
      // The process dies with both requests out; the next one recovers.
      recoverInterrupted(t.ctx, holderFence());
      expect(sms.uncertain(taskId).map((s) => s.id)).toEqual(ids);
    });
  });
});
