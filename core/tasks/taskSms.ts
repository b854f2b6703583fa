import type { Page, SmsDeliveryFilter, SmsDeliveryRow, UncertainSms } from '../../shared/types.js';
import { SMS_DELIVERY_STATES } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { flag, int, nullableInt, nullableOneOf, nullableText, oneOf, rowMapper, text, type Row } from '../db/rows.js';
import { AppError } from '../errors.js';
import { TaskStore } from './taskStore.js';

/** Uncertain SMS are few (at most the outbox's concurrency per crash); this bounds one answer all the same. */
export const UNCERTAIN_SMS_MAX = 500;

/** An SMS a crash left uncertain, with the roster row of its number (the query aliases nothing: sms_outbox s JOIN task_numbers n). */
const UNCERTAIN_SMS = rowMapper<UncertainSms>({
  id: int('id'),
  rowNumber: int('row_number'),
  phoneE164: text('to_e164'),
  kind: oneOf<UncertainSms['kind']>('kind'),
  text: text('text'),
  updatedAt: int('updated_at'),
  dryRun: flag('dry_run'),
});

/** An SMS the provider accepted (or not) and how its delivery went. */
const SMS_DELIVERY = rowMapper<SmsDeliveryRow>({
  id: int('id'),
  rowNumber: int('row_number'),
  phoneE164: text('to_e164'),
  kind: oneOf<SmsDeliveryRow['kind']>('kind'),
  state: oneOf<SmsDeliveryRow['state']>('state'),
  delivery: nullableOneOf<NonNullable<SmsDeliveryRow['delivery']>>('delivery_state'),
  deliveryDetail: nullableText('delivery_detail'),
  sentAt: nullableInt('sent_at'),
  deliveryCheckedAt: nullableInt('delivery_checked_at'),
  dryRun: flag('dry_run'),
});

/** The mapper's columns from sms_outbox (`s.`), but the row number from the number (`n.`). */
function outboxSelect(columns: readonly string[]): string {
  return columns.map((c) => (c === 'row_number' ? 'n.row_number' : `s.${c}`)).join(', ');
}

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
      throw new AppError('task.notFound', { id });
    }
  }

  uncertain(taskId: number): UncertainSms[] {
    this.requireTask(taskId);
    const rows = this.ctx.db
      .prepare(
        `SELECT ${outboxSelect(UNCERTAIN_SMS.columns)}
         FROM sms_outbox s JOIN task_numbers n ON n.id = s.task_number_id
         WHERE s.task_id = ? AND s.state = 'uncertain' ORDER BY s.id LIMIT ?`,
      )
      .all(taskId, UNCERTAIN_SMS_MAX) as Row[];
    return rows.map((r) => UNCERTAIN_SMS.read(r));
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
        throw new AppError('task.smsNotUncertain', { count: gone });
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
      throw new AppError('task.badFilter');
    }
    const where = filter === 'all' ? '' : 'AND s.delivery_state = ?';
    const args = filter === 'all' ? [] : [filter];
    const total = this.ctx.db.prepare(`SELECT count(*) FROM sms_outbox s WHERE s.task_id = ? ${where}`).pluck().get(taskId, ...args) as number;
    const rows = this.ctx.db
      .prepare(
        `SELECT ${outboxSelect(SMS_DELIVERY.columns)}
         FROM sms_outbox s JOIN task_numbers n ON n.id = s.task_number_id
         WHERE s.task_id = ? ${where} ORDER BY s.task_number_id LIMIT ? OFFSET ?`,
      )
      .all(taskId, ...args, pageSize, (page - 1) * pageSize) as Row[];
    return {
      items: rows.map((r) => SMS_DELIVERY.read(r)),
      total,
      page,
      pageSize,
    };
  }
}
