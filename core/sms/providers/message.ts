import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { AppError } from '../../errors.js';
import type { SmsMessage } from './types.js';

/** Checks what every client needs before it builds a request: an E.164 number and a text. */
export function checkMessage(message: SmsMessage): void {
  if (!/^\+[1-9]\d{6,14}$/.test(message.to)) {
    throw new AppError('sms.badNumber', { number: message.to });
  }
  if (message.text.length === 0) throw new AppError('sms.emptyText');
}

/** +6281234567890 -> 6281234567890: the form Vonage and Infobip document for `to`. */
export function withoutPlus(e164: string): string {
  return e164.replace(/^\+/, '');
}

/** +6281234567890 -> 081234567890: the number as dialled inside its own country (national trunk prefix kept). */
export function nationalDigits(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return withoutPlus(e164);
  return parsed.formatNational().replace(/\D/g, '');
}

/** A sender that is a phone number goes without its plus sign; an alphanumeric sender ID as typed. */
export function senderId(from: string): string {
  const f = from.trim();
  return /^\+\d+$/.test(f) ? f.slice(1) : f;
}

/** The base URL joined with a documented path, keeping a path prefix the base URL may have. */
export function endpoint(baseUrl: string, path: string): URL {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new AppError('sms.badBaseUrl', { url: baseUrl });
  }
  base.pathname = base.pathname.replace(/\/+$/, '') + path;
  base.search = '';
  base.hash = '';
  return base;
}

export function describeJson(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}
