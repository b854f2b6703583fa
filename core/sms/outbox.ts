import { renderTemplate } from '../../shared/sms/render.js';
import type { CoreContext } from '../context.js';
import type { AppErrorShape } from '../../shared/result.js';
import { AppError, problem, problemOf } from '../errors.js';
import { assertFence, FENCE_SQL, FencedError, fenceParams, type Fence } from '../tasks/lease.js';
import type { SmsKind } from '../tasks/outcomes.js';
import { smsErrorColumns } from '../tasks/storedErrors.js';
import { TaskStore } from '../tasks/taskStore.js';
import { FIRST_DELIVERY_CHECK_MS } from './delivery.js';
import type { SmsClient } from './providers/types.js';

export interface SmsOutboxDeps {
  /** The sender for real tasks (the active SMS account), or an AppError saying why there is none. */
  realSender: () => SmsClient;
  /** Dry-run tasks never reach a provider. */
  dryRunSender: SmsClient;
  concurrency?: number;
}

interface OutboxRow {
  id: number;
  task_id: number;
  to_e164: string;
  text: string;
  dry_run: number;
}

/**
 * SMS follow-ups, at most once per number and task (docs/DOMAIN.md). The row is
 * queued in the transaction that records the number's final outcome; it is
 * claimed (state 'sending') in its own transaction before the provider is
 * called, so a crash between the two leaves it 'sending', which recovery
 * turns into 'uncertain' instead of sending it again.
 */
export class SmsOutbox {
  private readonly active = new Set<Promise<void>>();
  private readonly tasks: TaskStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: SmsOutboxDeps,
  ) {
    this.tasks = new TaskStore(ctx.db);
  }

  /** Called inside the engine's transaction for a number's final outcome. */
  enqueue(taskId: number, numberId: number, kind: SmsKind, now: number): void {
    const { db } = this.ctx;
    const task = this.tasks.smsTemplateOf(taskId, kind);
    if (!task || task.templateId === null) return;
    const template = db.prepare('SELECT body FROM sms_templates WHERE id = ?').get(task.templateId) as { body: string } | undefined;
    if (!template) return;
    const number = this.tasks.numberForSms(numberId);
    const { text } = renderTemplate(template.body, { ...number.variables, phone: number.phoneE164 });
    // UNIQUE (task_number_id): a second enqueue for the same number is ignored, never a second SMS.
    db.prepare(
      `INSERT OR IGNORE INTO sms_outbox (task_id, task_number_id, kind, template_id, to_e164, text, state, dry_run, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
    ).run(taskId, numberId, kind, task.templateId, number.phoneE164, text, task.dryRun ? 1 : 0, now, now);
  }

  /**
   * Starts sending queued messages up to the concurrency limit. The claim
   * and the result are written under the dialer's lease epoch: a process
   * that lost the lease claims nothing and records nothing (the new holder
   * turned its 'sending' rows uncertain).
   */
  pump(fence: Fence, onSettled: () => void): void {
    const limit = this.deps.concurrency ?? 4;
    if (this.active.size >= limit) return;
    const rows = this.ctx.db
      .prepare("SELECT id, task_id, to_e164, text, dry_run FROM sms_outbox WHERE state = 'queued' ORDER BY id LIMIT ?")
      .all(limit - this.active.size) as OutboxRow[];
    for (const row of rows) {
      const claimed = this.ctx.db
        .prepare(`UPDATE sms_outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'queued' AND ${FENCE_SQL}`)
        .run(this.ctx.clock.now(), row.id, ...fenceParams(fence)).changes;
      if (claimed === 0) continue;
      const job: Promise<void> = this.send(fence, row).finally(() => {
        this.active.delete(job);
        onSettled();
      });
      this.active.add(job);
    }
  }

  /** An SMS is queued or on its way to a provider: `autocall run --until-idle` waits for it. */
  hasWork(): boolean {
    return this.ctx.db.prepare("SELECT 1 FROM sms_outbox WHERE state IN ('queued', 'sending') LIMIT 1").get() !== undefined;
  }

  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
  }

  private async send(fence: Fence, row: OutboxRow): Promise<void> {
    const ending = await this.attempt(row);
    const failure = smsErrorColumns(ending.problem);
    const now = this.ctx.clock.now();
    // An accepted message is followed up where the provider can say whether it was delivered (core/sms/delivery.ts).
    const delivery = ending.problem ? null : ending.tracked && ending.messageId ? 'pending' : 'untracked';
    try {
      this.ctx.db
        .transaction(() => {
          assertFence(this.ctx.db, fence);
          const changed = this.ctx.db
            .prepare(
              `UPDATE sms_outbox SET state = ?, provider_message_id = ?, error = ?, error_code = ?, error_params = ?, updated_at = ?,
                 provider = ?, sent_at = ?, delivery_state = ?, delivery_next_check_at = ? WHERE id = ? AND state = 'sending'`,
            )
            .run(
              ending.problem ? 'failed' : 'sent',
              ending.messageId,
              failure.error,
              failure.errorCode,
              failure.errorParams,
              now,
              ending.provider,
              ending.problem ? null : now,
              delivery,
              delivery === 'pending' ? now + FIRST_DELIVERY_CHECK_MS : null,
              row.id,
            ).changes;
          if (changed === 0) return; // no longer ours to settle: recovery marked it uncertain
          this.tasks.countSms(row.task_id, ending.problem ? 'n_sms_failed' : 'n_sms_sent', 1, now);
        })
        .immediate();
    } catch (err) {
      if (!(err instanceof FencedError)) throw err;
      // The new holder's recovery made this row uncertain; it is never sent again automatically.
      this.ctx.log.warn('SMS result not recorded: the dialing lease was taken over', { outboxId: row.id, epoch: fence.epoch });
      return;
    }
    this.ctx.emit('task.changed', { taskId: row.task_id });
  }

  /** Hands the message to the provider; a refusal or failure comes back as the problem to store, never thrown. */
  private async attempt(row: OutboxRow): Promise<{ messageId: string | null; problem: AppErrorShape | null; provider: string | null; tracked: boolean }> {
    let sender: SmsClient | undefined;
    try {
      sender = row.dry_run === 1 ? this.deps.dryRunSender : this.deps.realSender();
      const provider = sender.provider ?? null;
      const tracked = typeof sender.status === 'function';
      // send() resolves only when the provider took the message; a refusal is thrown (providers/types.ts).
      const result = await sender.send({ to: row.to_e164, text: row.text });
      return { messageId: result.providerMessageId, problem: null, provider, tracked };
    } catch (err) {
      // The provider clients throw AppErrors (sms.rejected, sms.unreachable...) with the provider and host as params.
      if (!(err instanceof AppError)) this.ctx.log.error('sms send failed unexpectedly', { outboxId: row.id, error: String(err) });
      return { messageId: null, problem: problemOf(err, (detail) => problem('internal', { detail })), provider: sender?.provider ?? null, tracked: false };
    }
  }
}
