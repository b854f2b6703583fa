import type { CallOutcome } from '../types.js';

/** docs/DOMAIN.md's outcome table; one name for the concept, the same union as shared/types.ts. */
export type Outcome = CallOutcome;

export interface OutcomeFacts {
  /** The final SIP status of the INVITE (200 when answered), null when no final response came. */
  finalStatus: number | null;
  /** The Q.850 cause of the final response's Reason header (RFC 3326), null when absent. */
  q850Cause: number | null;
  /** We sent CANCEL (ring timeout or abort) before any final response. */
  cancelledByUs: boolean;
  /** The call was answered and taken: 200 OK acknowledged and media started. */
  answered: boolean;
}

/**
 * docs/DOMAIN.md "Outcomes: classifying a call": the Reason header's Q.850
 * cause decides first; the SIP status only when there is none. Cause 16 (normal clearing) is the
 * answered row, so on a call that was never answered it says nothing and the
 * status decides; a cause the table does not list also falls back.
 */
const BY_CAUSE: ReadonlyMap<number, Outcome> = new Map<number, Outcome>([
  [17, 'busy'],
  [18, 'noAnswer'],
  [19, 'noAnswer'],
  [20, 'poweredOff'],
  [1, 'invalidNumber'],
  [2, 'invalidNumber'],
  [3, 'invalidNumber'],
  [22, 'invalidNumber'],
  [28, 'invalidNumber'],
  [21, 'rejected'],
  [34, 'failed'],
  [38, 'failed'],
  [41, 'failed'],
  [42, 'failed'],
  [47, 'failed'],
  [102, 'failed'],
]);

const BY_STATUS: ReadonlyMap<number, Outcome> = new Map<number, Outcome>([
  [486, 'busy'],
  [600, 'busy'],
  // 480 alone is ambiguous (docs/DOMAIN.md): without cause 20 it is "no answer".
  [480, 'noAnswer'],
  [408, 'noAnswer'],
  [404, 'invalidNumber'],
  [484, 'invalidNumber'],
  [485, 'invalidNumber'],
  [410, 'invalidNumber'],
  [604, 'invalidNumber'],
  [403, 'rejected'],
  [603, 'rejected'],
  [503, 'failed'],
  [500, 'failed'],
  [504, 'failed'],
]);

export function classifyOutcome(facts: OutcomeFacts): Outcome {
  if (facts.answered) return 'answered';
  // Our CANCEL is only sent after a provisional response (RFC 3261 §9.1): the
  // phone rang. 487 (or no final response at all) then means "no answer".
  if (facts.cancelledByUs && (facts.finalStatus === null || facts.finalStatus === 487)) return 'noAnswer';
  if (facts.q850Cause !== null) {
    const byCause = BY_CAUSE.get(facts.q850Cause);
    if (byCause) return byCause;
  }
  if (facts.finalStatus === null) return 'failed'; // no response: network or gateway down
  // A 2xx that we did not take (answered after our CANCEL, or an unusable answer).
  if (facts.finalStatus < 300) return facts.cancelledByUs ? 'noAnswer' : 'failed';
  return BY_STATUS.get(facts.finalStatus) ?? 'failed';
}
