import { parseArgs } from 'node:util';
import type { AutocallApi } from '../shared/contract/api.js';
import type { HostClient } from '../shared/host/client.js';
import type { AppErrorShape, Result } from '../shared/result.js';

/** What a command works with: the contract, typed (buildApi, as the renderer has it), and the host's own controls. */
export interface CliHost {
  api: AutocallApi;
  client: HostClient;
}

/** An answer of the core that says no; the runner prints its message and exits with 1. */
export class CoreRefusal extends Error {
  constructor(readonly shape: AppErrorShape) {
    super(shape.message);
  }
}

export class UsageError extends Error {}

export interface Output {
  json: boolean;
  /** Prints a value: as JSON with --json, otherwise through the human formatter. */
  value<T>(value: T, human: (value: T) => string): void;
  progress(text: string): void;
}

/**
 * Text from the store made harmless for a terminal: names written before
 * the text rule (shared/validation/text.ts), file names, a provider's
 * answer. Control characters (C0 but the line feed, DEL, C1) print as
 * visible escapes (\x1b), bidi and other invisible format characters as
 * \u{202e}, so `ESC]0;...BEL` cannot retitle the terminal nor `ESC[2J`
 * clear it, and nothing reads differently from what it is.
 */
export function escapeForTerminal(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

const TERMINAL_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/** JSON.stringify escapes C0 only; C1 (8-bit CSI) and bidi characters become \uXXXX too, still valid JSON. */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value ?? null, null, 2).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

export function makeOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  return {
    json,
    value(value, human) {
      stdout.write(json ? jsonForTerminal(value) + '\n' : escapeForTerminal(human(value)) + '\n');
    },
    progress(text) {
      if (!json && stderr.isTTY) stderr.write(`\r${escapeForTerminal(text)}\x1b[K`);
    },
  };
}

/** Unwraps a core answer; a refusal becomes a CoreRefusal that the runner prints and turns into exit code 1. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new CoreRefusal(result.error);
  return result.value;
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
