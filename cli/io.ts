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
