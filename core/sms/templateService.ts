import type { SmsTemplate, SmsTemplateStatus } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { templateBodySchema, templateNameSchema } from '../../shared/sms/templateSchema.js';
import { AppError } from '../errors.js';
import { applyRules } from '../rules.js';
import { Usage, type UsageOptions } from '../usage.js';
import { int, nullableText, oneOf, rowMapper, text, type Row } from '../db/rows.js';

export const REJECTION_REASON_MAX = 500;

/** `isInUse`/`usedBy`: an unfinished task using the template; its text then stays as approved. */
export type SmsTemplateServiceOptions = UsageOptions;

/** A row of `sms_templates`. */
const TEMPLATE = rowMapper<SmsTemplate>({
  id: int('id'),
  name: text('name'),
  body: text('body'),
  status: oneOf<SmsTemplateStatus>('status'),
  rejectionReason: nullableText('rejection_reason'),
  createdAt: int('created_at'),
  updatedAt: int('updated_at'),
});

/** Characters as a person counts them (code points), not UTF-16 units. */
function length(text: string): number {
  return [...text].length;
}

/**
 * SMS Template Management. A template is pending until someone approves it;
 * only approved templates can be chosen for a task (docs/DOMAIN.md "SMS follow-ups").
 *
 * What a running task sends must be what was approved, so while an
 * unfinished task uses a template its text cannot change, it cannot be
 * rejected and it cannot be deleted; renaming stays allowed.
 */
export class SmsTemplateService {
  private readonly usage: Usage;

  constructor(
    private readonly ctx: CoreContext,
    options: SmsTemplateServiceOptions = {},
  ) {
    this.usage = new Usage(options);
  }

  list(): SmsTemplate[] {
    const rows = this.ctx.db.prepare(`SELECT ${TEMPLATE.select} FROM sms_templates ORDER BY name COLLATE NOCASE, id`).all() as Row[];
    return rows.map((r) => TEMPLATE.read(r));
  }

  approved(): SmsTemplate[] {
    const rows = this.ctx.db
      .prepare(`SELECT ${TEMPLATE.select} FROM sms_templates WHERE status = 'approved' ORDER BY name COLLATE NOCASE, id`)
      .all() as Row[];
    return rows.map((r) => TEMPLATE.read(r));
  }

  get(id: number): SmsTemplate {
    return this.row(id);
  }

  create(input: { name: string; body: string }): SmsTemplate {
    const name = applyRules(templateNameSchema, input.name);
    const body = applyRules(templateBodySchema, input.body);
    const now = this.ctx.clock.now();
    const id = this.ctx.db.transaction(() => {
      this.checkNameFree(name, null);
      return Number(
        this.ctx.db
          .prepare("INSERT INTO sms_templates (name, body, status, rejection_reason, created_at, updated_at) VALUES (?, ?, 'pending', NULL, ?, ?)")
          .run(name, body, now, now).lastInsertRowid,
      );
    })();
    return this.get(id);
  }

  /**
   * A changed text needs a new approval: an approved or rejected template
   * goes back to pending. A name-only change keeps the status.
   */
  update(input: { id: number; name: string; body: string }): SmsTemplate {
    const name = applyRules(templateNameSchema, input.name);
    const body = applyRules(templateBodySchema, input.body);
    this.ctx.db.transaction(() => {
      const current = this.row(input.id);
      this.checkNameFree(name, current.id);
      const bodyChanged = body !== current.body;
      if (bodyChanged && this.usage.isInUse(current.id)) {
        throw new AppError('template.inUse', { name: current.name });
      }
      if (!bodyChanged && name === current.name) return;
      const status: SmsTemplateStatus = bodyChanged ? 'pending' : current.status;
      const reason = bodyChanged ? null : current.rejectionReason;
      this.ctx.db
        .prepare('UPDATE sms_templates SET name = ?, body = ?, status = ?, rejection_reason = ?, updated_at = ? WHERE id = ?')
        .run(name, body, status, reason, this.ctx.clock.now(), current.id);
    })();
    return this.get(input.id);
  }

  approve(id: number): SmsTemplate {
    this.ctx.db.transaction(() => {
      const current = this.row(id);
      if (current.status === 'approved') return;
      this.ctx.db
        .prepare("UPDATE sms_templates SET status = 'approved', rejection_reason = NULL, updated_at = ? WHERE id = ?")
        .run(this.ctx.clock.now(), id);
    })();
    return this.get(id);
  }

  reject(id: number, reason: string): SmsTemplate {
    const why = reason.trim();
    if (why === '') throw new AppError('template.reasonEmpty');
    const n = length(why);
    if (n > REJECTION_REASON_MAX) {
      throw new AppError('template.reasonTooLong', { length: n, max: REJECTION_REASON_MAX });
    }
    this.ctx.db.transaction(() => {
      const current = this.row(id);
      if (this.usage.isInUse(id)) {
        throw new AppError('template.inUse', { name: current.name });
      }
      this.ctx.db
        .prepare("UPDATE sms_templates SET status = 'rejected', rejection_reason = ?, updated_at = ? WHERE id = ?")
        .run(why, this.ctx.clock.now(), id);
    })();
    return this.get(id);
  }

  remove(id: number): void {
    const current = this.row(id);
    this.usage.refuseDelete(id, {
      byTask: (task) =>
        new AppError('template.inUseByTask', { name: current.name, task }),
      inUse: () =>
        new AppError('template.inUse', { name: current.name }),
    });
    // Finished tasks keep their history; their template reference becomes NULL (ON DELETE SET NULL).
    this.ctx.db.prepare('DELETE FROM sms_templates WHERE id = ?').run(id);
  }

  private row(id: number): SmsTemplate {
    const row = this.ctx.db.prepare(`SELECT ${TEMPLATE.select} FROM sms_templates WHERE id = ?`).get(id) as Row | undefined;
    if (!row) throw new AppError('template.notFound', { id });
    return TEMPLATE.read(row);
  }

  /** Names are unique ignoring case (ASCII, SQLite NOCASE): "Promo" and "promo" would be indistinguishable in a dropdown. */
  private checkNameFree(name: string, exceptId: number | null): void {
    const taken = this.ctx.db
      .prepare('SELECT id FROM sms_templates WHERE name = ? COLLATE NOCASE AND id IS NOT ?')
      .get(name, exceptId) as { id: number } | undefined;
    if (taken) {
      throw new AppError('template.nameTaken', { name });
    }
  }
}
