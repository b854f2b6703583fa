import type { CallOutcome } from '../../shared/types.js';

/** docs/DOMAIN.md: which outcomes count as "unanswered" and get the Unanswered SMS. */
export const UNANSWERED: ReadonlySet<CallOutcome> = new Set(['busy', 'noAnswer', 'poweredOff']);

/** Outcomes worth another attempt when the task has retries on (docs/DOMAIN.md: failed is retryable). */
export const RETRYABLE: ReadonlySet<CallOutcome> = new Set(['busy', 'noAnswer', 'poweredOff', 'failed']);

export type SmsKind = 'disconnect' | 'unanswered';

/** Which follow-up an outcome gets: answered -> disconnect; busy/no answer/powered off -> unanswered; others none. */
export function smsKindFor(outcome: CallOutcome): SmsKind | null {
  if (outcome === 'answered') return 'disconnect';
  return UNANSWERED.has(outcome) ? 'unanswered' : null;
}

/** The tasks counter column an outcome adds to. */
export function counterFor(outcome: CallOutcome): 'n_answered' | 'n_unanswered' | 'n_invalid' | 'n_rejected' | 'n_failed' {
  if (outcome === 'answered') return 'n_answered';
  if (UNANSWERED.has(outcome)) return 'n_unanswered';
  if (outcome === 'invalidNumber') return 'n_invalid';
  if (outcome === 'rejected') return 'n_rejected';
  return 'n_failed';
}
