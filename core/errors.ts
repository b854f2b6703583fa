import { errorMessage, type ErrorCode, type ErrorParamsArg, type ParamValue } from '../shared/messages/errorMessage.js';
import type { AppErrorShape } from '../shared/result.js';

export type { ErrorCode } from '../shared/messages/errorMessage.js';

/** `AppError.of`'s wrapper: a shape that already has its sentence (from another thread or process) is kept as it came. */
const asItCame = new WeakSet<object>();

/**
 * The one error type the core throws on purpose. Anything else that escapes
 * a handler is a bug and is reported as `internal` without its details.
 *
 * `new AppError(code, params)`: the English sentence is the catalog's
 * (shared/messages/errorCatalog.ts) filled in with the params, so the code
 * must be one of the catalog's and the params must hold every `{name}` its
 * sentence names; both are checked when compiling.
 */
export class AppError<C extends ErrorCode = ErrorCode> extends Error implements AppErrorShape {
  readonly code: string;
  readonly params?: Record<string, ParamValue>;

  constructor(code: C, ...params: ErrorParamsArg<C>);
  constructor(code: C, params?: Record<string, ParamValue>) {
    if (params && asItCame.has(params)) {
      const shape = (params as unknown as { shape: AppErrorShape }).shape;
      super(shape.message);
      this.code = shape.code;
      if (shape.params) this.params = shape.params;
    } else {
      super(errorMessage(code, params));
      this.code = code;
      if (params) this.params = params;
    }
    this.name = 'AppError';
  }

  /** A problem that already has its sentence, thrown as it came (a result from the media thread or the parent process). */
  static of(shape: AppErrorShape): AppError {
    const wrapper = { shape };
    asItCame.add(wrapper);
    return new AppError(shape.code as ErrorCode, wrapper as never);
  }

  toJSON(): AppErrorShape {
    return { code: this.code, message: this.message, ...(this.params ? { params: this.params } : {}) };
  }
}

/**
 * A problem reported inside a result instead of thrown (an error of a call
 * attempt, a failed SMS): the same stable code, English sentence (from the
 * catalog) and params an AppError carries, so it is stored and translated
 * the same way.
 */
export function problem<C extends ErrorCode>(code: C, ...params: ErrorParamsArg<C>): AppErrorShape;
export function problem(code: ErrorCode, params?: Record<string, ParamValue>): AppErrorShape {
  return { code, message: errorMessage(code, params), ...(params ? { params } : {}) };
}

/** A caught error as a problem: an AppError keeps its code and params; anything else gets `fallback` with its text as the detail. */
export function problemOf(err: unknown, fallback: (detail: string) => AppErrorShape): AppErrorShape {
  if (err instanceof AppError) return err.toJSON();
  return fallback(err instanceof Error ? err.message : String(err));
}

export function toErrorShape(err: unknown): AppErrorShape {
  if (err instanceof AppError) return err.toJSON();
  return problem('internal');
}
