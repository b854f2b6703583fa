import type { CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { TaskStore } from '../tasks/taskStore.js';
import type { DeliveryCheck } from './providers/status.js';

/** The first look-up, a minute after the provider accepted the message: most handsets answer within seconds. */
export const FIRST_DELIVERY_CHECK_MS = 60_000;
/** Look-ups at most this far apart. */
export const MAX_DELIVERY_CHECK_INTERVAL_MS = 60 * 60_000;
/**
 * Delivery is followed for 48 hours after the provider accepted the message,
 * then given up as expired: Infobip keeps reports and logs for 48 h, and an
 * operator's validity period rarely runs longer (docs/DOMAIN.md "SMS providers").
 */
export const DELIVERY_TRACKING_MS = 48 * 60 * 60_000;

/** The wait after the n-th look-up (n = 1, 2, ...) that found the message still on its way: 2, 4, 8 ... 60 minutes. */
export function deliveryBackoffMs(checks: number): number {
  return Math.min(MAX_DELIVERY_CHECK_INTERVAL_MS, FIRST_DELIVERY_CHECK_MS * 2 ** Math.max(1, checks));
}

/** Who can ask about a message: the saved account's client when it is still the provider that took the message. */
export interface DeliveryStatusSource {
  status(providerMessageId: string): Promise<DeliveryCheck>;
}

export interface SmsDeliveryDeps {
  /** The status look-up for messages sent through `provider`, or null when there is none now (account changed or removed). */
  statusSource: (provider: string) => DeliveryStatusSource | null;
  concurrency?: number;
}

interface DueRow {
  id: number;
  task_id: number;
  provider: string | null;
  provider_message_id: string | null;
  sent_at: number;
  delivery_checks: number;
}

const FINAL_COUNTER = { delivered: 'n_sms_delivered', undelivered: 'n_sms_undelivered' } as const;

/** Messages expired per pump (once a second at most). */
export const EXPIRE_BATCH = 500;

/**
 * Follows up SMS the provider accepted (sms_outbox.delivery_state 'pending')
 * until the provider says delivered or undelivered, or 48 h have passed
 * (expired). Look-ups back off from 2 minutes to an hour. It runs inside the
 * engine's tick, so only the process holding the dialer lease polls; the
 * time comes from the injected clock, so tests move it instead of sleeping.
 *
 * A look-up is a GET and changes nothing at the provider, so one repeated
 * after a crash is harmless; only the row's state is kept in the store.
 */
export class SmsDeliveryPoller {
  private readonly active = new Map<number, Promise<void>>();
  /** The engine ticks every 250 ms; looking for due messages once a second is plenty (they are minutes apart). */
  private lastPump = Number.NEGATIVE_INFINITY;
  private readonly tasks: TaskStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: SmsDeliveryDeps,
  ) {
    this.tasks = new TaskStore(ctx.db);
  }

  /** Starts the look-ups that are due, up to the concurrency limit; expires messages past 48 h. */
  pump(onSettled: () => void = () => undefined): void {
    const now = this.ctx.clock.now();
    if (now - this.lastPump < 1000) return;
    this.lastPump = now;
    this.expire(now);
    const limit = this.deps.concurrency ?? 4;
    if (this.active.size >= limit) return;
    const due = this.ctx.db
      .prepare(
        `SELECT id, task_id, provider, provider_message_id, sent_at, delivery_checks FROM sms_outbox
         WHERE delivery_state = 'pending' AND delivery_next_check_at <= ? ORDER BY delivery_next_check_at, id LIMIT ?`,
      )
      .all(now, limit + this.active.size) as DueRow[];
    for (const row of due) {
      if (this.active.size >= limit) break;
      // Past 48 h a message is not asked about again, only expired (a batch at a time, above).
      if (this.active.has(row.id) || row.sent_at <= now - DELIVERY_TRACKING_MS) continue;
      const job = this.check(row).finally(() => {
        this.active.delete(row.id);
        onSettled();
      });
      this.active.set(row.id, job);
    }
  }

  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active.values()]);
  }

  /**
   * Ends messages past 48 h as expired, at most EXPIRE_BATCH per pump: a
   * big campaign's messages all expire in the same second, and the engine's
   * tick must not stall on them (bench/smsDelivery.ts).
   */
  private expire(now: number): void {
    const { db } = this.ctx;
    const old = db
      .prepare("SELECT id, task_id FROM sms_outbox WHERE delivery_state = 'pending' AND sent_at <= ? LIMIT ?")
      .all(now - DELIVERY_TRACKING_MS, EXPIRE_BATCH) as { id: number; task_id: number }[];
    if (old.length === 0) return;
    const perTask = new Map<number, number>();
    db.transaction(() => {
      // The detail keeps the provider's last words ("sent", "no report yet"): the state itself says why it ended.
      const end = db.prepare("UPDATE sms_outbox SET delivery_state = 'expired', delivery_next_check_at = NULL WHERE id = ? AND delivery_state = 'pending'");
      for (const row of old) {
        if (end.run(row.id).changes > 0) perTask.set(row.task_id, (perTask.get(row.task_id) ?? 0) + 1);
      }
      for (const [taskId, n] of perTask) this.tasks.countSms(taskId, 'n_sms_expired', n, now);
    })();
    for (const taskId of perTask.keys()) this.ctx.emit('task.changed', { taskId });
  }

  private async check(row: DueRow): Promise<void> {
    const source = row.provider ? this.deps.statusSource(row.provider) : null;
    let result: DeliveryCheck | null = null;
    let failure: string | null = null;
    if (!source || !row.provider_message_id) {
      failure = `the SMS account is no longer ${row.provider ?? 'the provider that sent it'}, so it cannot be asked`;
    } else {
      try {
        result = await source.status(row.provider_message_id);
      } catch (err) {
        failure = err instanceof AppError ? err.message : String(err);
        if (!(err instanceof AppError)) this.ctx.log.error('delivery look-up failed unexpectedly', { outboxId: row.id, error: failure });
      }
    }
    const now = this.ctx.clock.now();
    const checks = row.delivery_checks + 1;
    const { db } = this.ctx;
    db.transaction(() => {
      // Expired, or re-sent as uncertain, while the look-up was on its way: leave it as it is now.
      const current = db.prepare('SELECT delivery_state FROM sms_outbox WHERE id = ?').get(row.id) as { delivery_state: string | null } | undefined;
      if (current?.delivery_state !== 'pending') return;
      if (result && result.state !== 'pending') {
        this.finish(row.id, row.task_id, result.state, result.detail, now);
        return;
      }
      // Still on its way, or the provider could not be asked: ask again later, never after the 48 h are over.
      const next = Math.min(now + deliveryBackoffMs(checks), row.sent_at + DELIVERY_TRACKING_MS);
      // A failed look-up keeps the provider's last words; why it failed goes to the log.
      db.prepare('UPDATE sms_outbox SET delivery_detail = COALESCE(?, delivery_detail), delivery_checked_at = ?, delivery_next_check_at = ?, delivery_checks = ? WHERE id = ?').run(
        result?.detail ?? null,
        now,
        next,
        checks,
        row.id,
      );
    })();
    if (failure) this.ctx.log.warn('delivery look-up failed', { outboxId: row.id, checks, reason: failure });
    if (result && result.state !== 'pending') this.ctx.emit('task.changed', { taskId: row.task_id });
  }

  /** A final delivery state and its task counter, in one transaction (the caller's). */
  private finish(id: number, taskId: number, state: 'delivered' | 'undelivered', detail: string, now: number): void {
    const changed = this.ctx.db
      .prepare(
        "UPDATE sms_outbox SET delivery_state = ?, delivery_detail = ?, delivery_checked_at = ?, delivery_next_check_at = NULL, delivery_checks = delivery_checks + 1 WHERE id = ? AND delivery_state = 'pending'",
      )
      .run(state, detail, now, id).changes;
    if (changed === 0) return;
    this.tasks.countSms(taskId, FINAL_COUNTER[state], 1, now);
  }
}
