import type { AppErrorShape } from '../../shared/result.js';
import type { CodedError } from '../../shared/types.js';

/** Bounds on what a row keeps: a provider's answer or a socket error is text from outside. */
const SENTENCE_MAX = 2000;

function coded(problem: AppErrorShape): CodedError {
  return { code: problem.code, params: problem.params ?? {} };
}

/** call_attempts.error and .error_codes: all problems as one English sentence, and their codes in the same order. */
export function attemptErrorColumns(problems: readonly AppErrorShape[]): { error: string | null; errorCodes: string | null } {
  if (problems.length === 0) return { error: null, errorCodes: null };
  return {
    error: problems.map((p) => p.message).join('; ').slice(0, SENTENCE_MAX),
    errorCodes: JSON.stringify(problems.map(coded)),
  };
}

/** sms_outbox.error, .error_code and .error_params: the problem of a failed (or uncertain) SMS, all null for one sent. */
export function smsErrorColumns(problem: AppErrorShape | null): { error: string | null; errorCode: string | null; errorParams: string | null } {
  if (!problem) return { error: null, errorCode: null, errorParams: null };
  return { error: problem.message.slice(0, SENTENCE_MAX), errorCode: problem.code, errorParams: JSON.stringify(problem.params ?? {}) };
}

export function attemptErrorCodes(column: string | null): CodedError[] | null {
  return column === null ? null : (JSON.parse(column) as CodedError[]);
}

export function smsErrorCode(code: string | null, params: string | null): CodedError | null {
  return code === null ? null : { code, params: params === null ? {} : (JSON.parse(params) as CodedError['params']) };
}
