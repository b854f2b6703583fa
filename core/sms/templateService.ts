import type { SmsTemplate, SmsTemplateStatus } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { templateSyntaxProblems, VARIABLE_NAME_MAX } from '../../shared/sms/render.js';
import { AppError } from '../errors.js';

export const TEMPLATE_NAME_MAX = 100;
export const TEMPLATE_BODY_MAX = 1000;
export const REJECTION_REASON_MAX = 500;

export interface SmsTemplateServiceOptions {
  /** True while an unfinished task uses the template. */
  isInUse?: (templateId: number) => boolean;
  /** The name of an unfinished task using it, for the refusal to name (null when none). */
  usedBy?: (templateId: number) => string | null;
}

interface TemplateRow {
  id: number;
  name: string;
  body: string;
  status: SmsTemplateStatus;
  rejection_reason: string | null;
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'id, name, body, status, rejection_reason, created_at, updated_at';

function toTemplate(row: TemplateRow): SmsTemplate {
  return {
    id: row.id,
    name: row.name,
    body: row.body,
    status: row.status,
    rejectionReason: row.rejection_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Characters as a person counts them (code points), not UTF-16 units. */
function length(text: string): number {
  return [...text].length;
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw new AppError('template.nameEmpty', { max: TEMPLATE_NAME_MAX });
  const n = length(name);
  if (n > TEMPLATE_NAME_MAX) {
    throw new AppError('template.nameTooLong', { length: n, max: TEMPLATE_NAME_MAX });
  }
  return name;
}

function checkBody(raw: string): string {
  // Leading and trailing white space is invisible in the editor but would be paid for in every SMS.
  const body = raw.trim();
  if (body === '') throw new AppError('template.bodyEmpty');
  const n = length(body);
  if (n > TEMPLATE_BODY_MAX) {
    throw new AppError('template.bodyTooLong', { length: n, max: TEMPLATE_BODY_MAX });
  }
  checkSyntax(body);
  return body;
}

/**
 * A brace that is not part of a `{variable}` would reach customers as typed
 * (issue 10), so the text is refused when saved; the first mistake is named
 * with the words around it.
 */
function checkSyntax(body: string): void {
  const problem = templateSyntaxProblems(body)[0];
  if (!problem) return;
  const { excerpt } = problem;
  switch (problem.kind) {
    case 'unclosed':
      throw new AppError('template.unclosedBrace', { excerpt });
    case 'unopened':
      throw new AppError('template.strayBrace', { excerpt });
    case 'empty':
      throw new AppError('template.emptyVariable', { excerpt });
    case 'tooLong':
      throw new AppError('template.variableTooLong', { excerpt, max: VARIABLE_NAME_MAX });
  }
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
  private readonly isInUse: (templateId: number) => boolean;
  private readonly usedBy: (templateId: number) => string | null;

  constructor(
    private readonly ctx: CoreContext,
    options: SmsTemplateServiceOptions = {},
  ) {
    this.isInUse = options.isInUse ?? (() => false);
    this.usedBy = options.usedBy ?? (() => null);
  }

  list(): SmsTemplate[] {
    const rows = this.ctx.db.prepare(`SELECT ${COLUMNS} FROM sms_templates ORDER BY name COLLATE NOCASE, id`).all() as TemplateRow[];
    return rows.map(toTemplate);
  }

  approved(): SmsTemplate[] {
    const rows = this.ctx.db
      .prepare(`SELECT ${COLUMNS} FROM sms_templates WHERE status = 'approved' ORDER BY name COLLATE NOCASE, id`)
      .all() as TemplateRow[];
    return rows.map(toTemplate);
  }

  get(id: number): SmsTemplate {
    return toTemplate(this.row(id));
  }

  create(input: { name: string; body: string }): SmsTemplate {
    const name = checkName(input.name);
    const body = checkBody(input.body);
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
    const name = checkName(input.name);
    const body = checkBody(input.body);
    this.ctx.db.transaction(() => {
      const current = this.row(input.id);
      this.checkNameFree(name, current.id);
      const bodyChanged = body !== current.body;
      if (bodyChanged && this.isInUse(current.id)) {
        throw new AppError('template.inUse', { name: current.name });
      }
      if (!bodyChanged && name === current.name) return;
      const status: SmsTemplateStatus = bodyChanged ? 'pending' : current.status;
      const reason = bodyChanged ? null : current.rejection_reason;
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
      if (this.isInUse(id)) {
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
    const task = this.usedBy(id);
    if (task !== null) {
      throw new AppError('template.inUseByTask', { name: current.name, task });
    }
    if (this.isInUse(id)) {
      throw new AppError('template.inUse', { name: current.name });
    }
    // Finished tasks keep their history; their template reference becomes NULL (ON DELETE SET NULL).
    this.ctx.db.prepare('DELETE FROM sms_templates WHERE id = ?').run(id);
  }

  private row(id: number): TemplateRow {
    const row = this.ctx.db.prepare(`SELECT ${COLUMNS} FROM sms_templates WHERE id = ?`).get(id) as TemplateRow | undefined;
    if (!row) throw new AppError('template.notFound', { id });
    return row;
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
