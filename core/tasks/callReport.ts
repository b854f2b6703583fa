import type { AppErrorShape } from '../../shared/result.js';
import type { CallReport } from '../../shared/types.js';

/**
 * The report of a call that never got a result from the gateway (the placer
 * threw before or while placing it): failed, which DOMAIN.md's outcome table
 * makes retryable, with nothing measured and the problem that stopped it.
 */
export function failedCall(error: AppErrorShape): CallReport {
  return {
    outcome: 'failed',
    hungUpBy: null,
    finalStatus: null,
    q850Cause: null,
    ringMs: null,
    answeredMs: null,
    playedMs: null,
    playedToEnd: null,
    dtmf: '',
    errors: [error],
  };
}
