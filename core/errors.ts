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

export function toErrorShape(err: unknown): AppErrorShape {
  if (err instanceof AppError) return err.toJSON();
  return { code: 'internal', message: 'Unexpected internal error. The details are in the log file.' };
}
