import type { Page, SmsDeliveryFilter, SmsDeliveryRow, UncertainSms } from '../../shared/types.js';
import { SMS_DELIVERY_STATES } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { TaskStore } from './taskStore.js';

/** Uncertain SMS are few (at most the outbox's concurrency per crash); this bounds one answer all the same. */
export const UNCERTAIN_SMS_MAX = 500;

/**
 * A task's SMS as the user follows them up: the ones a crash left uncertain
 * (listed, and sent again only when the user asks, knowing the customer may
 * get them twice) and the delivery of the ones the provider accepted.
 */
export class TaskSmsService {
  private readonly tasks: TaskStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: { onChange?: (taskId: number) => void } = {},
  ) {
    this.tasks = new TaskStore(ctx.db);
  }

  private requireTask(id: number): void {
    if (!this.tasks.exists(id)) {
      throw new AppError('task.notFound', `Task ${id} does not exist. It may have been deleted.`, { id });
    }
  }

  uncertain(taskId: number): UncertainSms[] {
    this.requireTask(taskId);
    const rows = this.ctx.db
      .prepare(
        `SELECT s.id, n.row_number, s.to_e164, s.kind, s.text, s.updated_at, s.dry_run
         FROM sms_outbox s JOIN task_numbers n ON n.id = s.task_number_id
         WHERE s.task_id = ? AND s.state = 'uncertain' ORDER BY s.id LIMIT ?`,
      )
      .all(taskId, UNCERTAIN_SMS_MAX) as {
      id: number;
      row_number: number;
      to_e164: string;
      kind: UncertainSms['kind'];
      text: string;
      updated_at: number;
      dry_run: number;
    }[];
    return rows.map((r) => ({ id: r.id, rowNumber: r.row_number, phoneE164: r.to_e164, kind: r.kind, text: r.text, updatedAt: r.updated_at, dryRun: r.dry_run === 1 }));
  }

  /**
   * The user's "Send again" for uncertain SMS: they go back to the queue and
   * the outbox sends them the usual way, claiming each one (`sending`) in its
   * own transaction before the provider is called, so a crash during the
   * resend leaves it uncertain again instead of sending a third time.
   * Only rows still uncertain move; the answer says how many did.
   */
  resend(taskId: number, which: 'all' | readonly number[]): { requeued: number } {
    this.requireTask(taskId);
    const now = this.ctx.clock.now();
    const requeued = this.ctx.db.transaction(() => {
      const ids =
        which === 'all'
          ? (this.ctx.db.prepare("SELECT id FROM sms_outbox WHERE task_id = ? AND state = 'uncertain'").pluck().all(taskId) as number[])
          : [...new Set(which)];
      const move = this.ctx.db.prepare(
        "UPDATE sms_outbox SET state = 'queued', error = NULL, error_code = NULL, error_params = NULL, resent_at = ?, updated_at = ? WHERE id = ? AND task_id = ? AND state = 'uncertain'",
      );
      let n = 0;
      for (const id of ids) n += move.run(now, now, id, taskId).changes;
      if (which !== 'all' && n < ids.length) {
        // Another window or the command line may have sent them already: say so rather than pretend.
        const gone = ids.length - n;
        throw new AppError(
          'task.smsNotUncertain',
          `${gone} of the chosen SMS ${gone === 1 ? 'is' : 'are'} no longer uncertain (already sent again, or not of this task). Refresh the list and choose again.`,
          { count: gone },
        );
      }
      return n;
    })();
    if (requeued > 0) {
      this.ctx.log.info('uncertain sms sent again by the user', { taskId, requeued });
      this.options.onChange?.(taskId);
      this.ctx.emit('task.changed', { taskId });
    }
    return { requeued };
  }

  deliveries(taskId: number, filter: SmsDeliveryFilter, page: number, pageSize: number): Page<SmsDeliveryRow> {
    this.requireTask(taskId);
    if (filter !== 'all' && !(SMS_DELIVERY_STATES as readonly string[]).includes(filter)) {
      throw new AppError('task.badFilter', `Unknown filter ${filter}.`);
    }
    const where = filter === 'all' ? '' : 'AND s.delivery_state = ?';
    const args = filter === 'all' ? [] : [filter];
    const total = this.ctx.db.prepare(`SELECT count(*) FROM sms_outbox s WHERE s.task_id = ? ${where}`).pluck().get(taskId, ...args) as number;
    const rows = this.ctx.db
      .prepare(
        `SELECT s.id, n.row_number, s.to_e164, s.kind, s.state, s.delivery_state, s.delivery_detail, s.sent_at, s.delivery_checked_at, s.dry_run
         FROM sms_outbox s JOIN task_numbers n ON n.id = s.task_number_id
         WHERE s.task_id = ? ${where} ORDER BY s.task_number_id LIMIT ? OFFSET ?`,
      )
      .all(taskId, ...args, pageSize, (page - 1) * pageSize) as {
      id: number;
      row_number: number;
      to_e164: string;
      kind: SmsDeliveryRow['kind'];
      state: SmsDeliveryRow['state'];
      delivery_state: SmsDeliveryRow['delivery'];
      delivery_detail: string | null;
      sent_at: number | null;
      delivery_checked_at: number | null;
      dry_run: number;
    }[];
    return {
      items: rows.map((r) => ({
        id: r.id,
        rowNumber: r.row_number,
        phoneE164: r.to_e164,
        kind: r.kind,
        state: r.state,
        delivery: r.delivery_state,
        deliveryDetail: r.delivery_detail,
        sentAt: r.sent_at,
        deliveryCheckedAt: r.delivery_checked_at,
        dryRun: r.dry_run === 1,
      })),
      total,
      page,
      pageSize,
    };
  }
}
