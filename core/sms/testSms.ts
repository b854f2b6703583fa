import { normalizePhone } from '../../shared/phone/normalize.js';
import { renderTemplate } from '../../shared/sms/render.js';
import type { SmsSendResult, SmsTemplate, SmsTestView, RosterEntry } from '../../shared/types.js';
import { AppError } from '../errors.js';

export interface TestSmsDeps {
  template: (id: number) => SmsTemplate;
  rosterRow: (rosterId: number, rowNumber: number) => RosterEntry | null;
  /** The dry-run gateway is selected: nothing may leave (a task made now would send no real SMS either). */
  isDryRun: () => boolean;
  dryRunSend: (message: { to: string; text: string }) => Promise<SmsSendResult>;
  accountSend: (message: { to: string; text: string }) => Promise<SmsSendResult>;
}

/**
 * The wizard's "send me this SMS": the template filled in from one roster
 * row, as a task's SMS is filled (core/sms/outbox.ts: the row's columns and
 * {phone}), sent to the user's own number through the SMS account, or to
 * the dry-run sender while the dry-run gateway is selected.
 */
export async function sendTestSms(deps: TestSmsDeps, input: { to: string; templateId: number; rosterId: number; rowNumber: number }): Promise<SmsTestView> {
  const phone = normalizePhone(input.to);
  if (!phone.ok) throw new AppError('sms.badNumber', `"${input.to}" is not a valid phone number. Type it as 0812-3456-7890 or +62 812 3456 7890.`, { number: input.to });
  const template = deps.template(input.templateId);
  const row = deps.rosterRow(input.rosterId, input.rowNumber);
  if (!row) {
    throw new AppError('sms.testRowMissing', `Row ${input.rowNumber} is not a usable row of this roster. Choose another row.`, { row: input.rowNumber });
  }
  const { text } = renderTemplate(template.body, { ...row.variables, phone: row.phoneE164 });
  const dryRun = deps.isDryRun();
  const message = { to: phone.e164, text };
  const result = dryRun ? await deps.dryRunSend(message) : await deps.accountSend(message);
  return { dryRun, to: phone.e164, text, result };
}
