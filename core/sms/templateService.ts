import type { SmsTemplate, SmsTemplateStatus } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { templateSyntaxProblems, VARIABLE_NAME_MAX } from '../../shared/sms/render.js';
import { AppError } from '../errors.js';
import { Usage, type UsageOptions } from '../usage.js';
import { int, nullableText, oneOf, rowMapper, text, type Row } from '../db/rows.js';

export const TEMPLATE_NAME_MAX = 100;
export const TEMPLATE_BODY_MAX = 1000;
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

function checkName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw new AppError('template.nameEmpty', `The template name is empty. Type a name of 1 to ${TEMPLATE_NAME_MAX} characters.`, { max: TEMPLATE_NAME_MAX });
  const n = length(name);
  if (n > TEMPLATE_NAME_MAX) {
    throw new AppError('template.nameTooLong', `The template name has ${n} characters; it can have at most ${TEMPLATE_NAME_MAX}. Shorten it.`, { length: n, max: TEMPLATE_NAME_MAX });
  }
  return name;
}

function checkBody(raw: string): string {
  // Leading and trailing white space is invisible in the editor but would be paid for in every SMS.
  const body = raw.trim();
  if (body === '') throw new AppError('template.bodyEmpty', 'The template text is empty. Type the SMS text.');
  const n = length(body);
  if (n > TEMPLATE_BODY_MAX) {
    throw new AppError('template.bodyTooLong', `The template text has ${n} characters; it can have at most ${TEMPLATE_BODY_MAX}. Shorten it.`, { length: n, max: TEMPLATE_BODY_MAX });
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
      throw new AppError(
        'template.unclosedBrace',
        `The template has a "{" that is not closed: "${excerpt}". Close the variable name with "}" on the same line (for example {Nama}), or remove the brace.`,
        { excerpt },
      );
    case 'unopened':
      throw new AppError('template.strayBrace', `The template has a "}" with no "{" before it: "${excerpt}". Add the opening brace of the variable, or remove this one.`, { excerpt });
    case 'empty':
      throw new AppError('template.emptyVariable', `The template has "${excerpt}" with no variable name inside. Write a roster column name between the braces, such as {Nama}, or remove them.`, { excerpt });
    case 'tooLong':
      throw new AppError(
        'template.variableTooLong',
        `The variable "${excerpt}" has a name longer than ${VARIABLE_NAME_MAX} characters. Use a roster column name, such as {Nama}.`,
        { excerpt, max: VARIABLE_NAME_MAX },
      );
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
      if (bodyChanged && this.usage.isInUse(current.id)) {
        throw new AppError(
          'template.inUse',
          `The template "${current.name}" is used by a task that has not finished, so its text cannot change now. Create a new template with the new text, or wait until the task finishes.`,
          { name: current.name },
        );
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
    if (why === '') throw new AppError('template.reasonEmpty', 'Say why the template is rejected, so its author knows what to change.');
    const n = length(why);
    if (n > REJECTION_REASON_MAX) {
      throw new AppError('template.reasonTooLong', `The reason has ${n} characters; it can have at most ${REJECTION_REASON_MAX}. Shorten it.`, { length: n, max: REJECTION_REASON_MAX });
    }
    this.ctx.db.transaction(() => {
      const current = this.row(id);
      if (this.usage.isInUse(id)) {
        throw new AppError(
          'template.inUse',
          `The template "${current.name}" is used by a task that has not finished, so it cannot be rejected now. Wait until the task finishes, or cancel it first.`,
          { name: current.name },
        );
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
        new AppError(
          'template.inUseByTask',
          `The template "${current.name}" is used by the task "${task}", which has not finished, so it cannot be deleted. Finish, cancel or delete that task first; renaming is still allowed.`,
          { name: current.name, task },
        ),
      inUse: () =>
        new AppError(
          'template.inUse',
          `The template "${current.name}" is used by a task that has not finished, so it cannot be deleted. Finish or delete that task first; renaming is still allowed.`,
          { name: current.name },
        ),
    });
    // Finished tasks keep their history; their template reference becomes NULL (ON DELETE SET NULL).
    this.ctx.db.prepare('DELETE FROM sms_templates WHERE id = ?').run(id);
  }

  private row(id: number): SmsTemplate {
    const row = this.ctx.db.prepare(`SELECT ${TEMPLATE.select} FROM sms_templates WHERE id = ?`).get(id) as Row | undefined;
    if (!row) throw new AppError('template.notFound', 'This SMS template no longer exists (it may have been deleted). Refresh the list.', { id });
    return TEMPLATE.read(row);
  }

  /** Names are unique ignoring case (ASCII, SQLite NOCASE): "Promo" and "promo" would be indistinguishable in a dropdown. */
  private checkNameFree(name: string, exceptId: number | null): void {
    const taken = this.ctx.db
      .prepare('SELECT id FROM sms_templates WHERE name = ? COLLATE NOCASE AND id IS NOT ?')
      .get(name, exceptId) as { id: number } | undefined;
    if (taken) {
      throw new AppError('template.nameTaken', `A template named "${name}" already exists. Choose another name, or edit that template.`, { name });
    }
  }
}
