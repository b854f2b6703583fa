/**
 * Every renderer-to-main call answers with a Result (Signal's `wrapResult`).
 * `code` is stable and is what the renderer translates; `message` is an
 * English fallback for logs and the command line; `params` fill the
 * translated message (row numbers, limits, file names).
 */
export interface AppErrorShape {
  code: string;
  message: string;
  params?: Record<string, string | number>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
