import type { AppErrorShape } from '../shared/result.js';

/**
 * The one error type the core throws on purpose. Anything else that escapes
 * a handler is a bug and is reported as `internal` without its details.
 */
export class AppError extends Error implements AppErrorShape {
  readonly code: string;
  readonly params?: Record<string, string | number>;

  constructor(code: string, message: string, params?: Record<string, string | number>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    if (params) this.params = params;
  }

  toJSON(): AppErrorShape {
    return { code: this.code, message: this.message, ...(this.params ? { params: this.params } : {}) };
  }
}

/**
 * A problem reported inside a result instead of thrown (an error of a call
 * attempt, a failed SMS): the same stable code, English sentence and params
 * an AppError carries, so it is stored and translated the same way.
 */
export function problem(code: string, message: string, params?: Record<string, string | number>): AppErrorShape {
  return { code, message, ...(params ? { params } : {}) };
}

/** A caught error as a problem: an AppError keeps its code and params; anything else gets `fallback` with its text as the detail. */
export function problemOf(err: unknown, fallback: (detail: string) => AppErrorShape): AppErrorShape {
  if (err instanceof AppError) return err.toJSON();
  return fallback(err instanceof Error ? err.message : String(err));
}

export function toErrorShape(err: unknown): AppErrorShape {
  if (err instanceof AppError) return err.toJSON();
  return { code: 'internal', message: 'Unexpected internal error. The details are in the log file.' };
}
