import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A phone number as the log may show it: its last four digits only
 * ("+6281234567890" -> "…7890"). Logs never hold roster contents beyond
 * that (docs/ARCHITECTURE.md, "Privacy"); callers log ids, counts and codes.
 */
export function maskPhone(number: string): string {
  const digits = number.replace(/\D/g, '');
  return `…${digits.slice(-4)}`;
}

/** Seven or more digits with at most single spaces, dashes, dots or a leading +: a phone number as people type it. */
const PHONE_LIKE = /(?<![\w+])\+?\d(?:[ .-]?\d){6,}(?!\w)/g;
/** Dates and IPv4 addresses look like that too, and say nothing about anyone. */
const DATE_LIKE = /^(\d{4}-\d{2}-\d{2}|\d{1,3}(\.\d{1,3}){3})$/;

/** Every phone-number-like run in a text, masked (a safety net under callers that should not log numbers at all). */
export function maskPhoneNumbers(text: string): string {
  return text.replace(PHONE_LIKE, (run) => (DATE_LIKE.test(run) ? run : maskPhone(run)));
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhoneNumbers(value);
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
}

/**
 * One JSON line per entry; credentials are never passed to the logger, and
 * phone numbers in messages or fields (an error's text may quote one) keep
 * their last four digits only. The file is created owner-only (0600).
 */
export function fileLogger(file: string): Logger {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    try {
      const entry = { t: new Date().toISOString(), level, message: maskPhoneNumbers(message), ...(fields ? (scrub(fields) as Record<string, unknown>) : {}) };
      appendFileSync(file, JSON.stringify(entry) + '\n', { mode: 0o600 });
    } catch {
      // Logging must never take the app down.
    }
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
