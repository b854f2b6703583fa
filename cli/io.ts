import { parseArgs } from 'node:util';
import { AppError } from '../core/errors.js';
import type { Result } from '../shared/result.js';

export class UsageError extends Error {}

export interface Output {
  json: boolean;
  /** Prints a value: as JSON with --json, otherwise through the human formatter. */
  value<T>(value: T, human: (value: T) => string): void;
  progress(text: string): void;
}

export function makeOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  return {
    json,
    value(value, human) {
      stdout.write(json ? JSON.stringify(value ?? null, null, 2) + '\n' : human(value) + '\n');
    },
    progress(text) {
      if (!json && stderr.isTTY) stderr.write(`\r${text}\x1b[K`);
    },
  };
}

/** Unwraps a core answer; errors become AppErrors that the runner prints and turns into exit code 1. */
export function unwrap<T>(result: Result<unknown>): T {
  if (!result.ok) throw new AppError(result.error.code, result.error.message, result.error.params);
  return result.value as T;
}

export function parseId(text: string | undefined, what: string): number {
  const id = Number(text);
  if (!text || !Number.isInteger(id) || id <= 0) throw new UsageError(`${what} must be a positive whole number (got ${text ?? 'nothing'}).`);
  return id;
}

/** A plain text table for humans; --json gives the full records. */
export function table(headers: string[], rows: (string | number)[][]): string {
  if (rows.length === 0) return '(none)';
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** parseArgs with the command's own options; unknown options are usage errors. */
export function parseCommand<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(args: string[], options: T) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}
