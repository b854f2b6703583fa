import type { CallOutcome } from '../types.js';
import { OUTCOMES } from '../types.js';

/**
 * The four figures a supervisor reads first (docs/DOMAIN.md's outcome table,
 * grouped as the task table shows them): answered; unanswered (busy, no
 * answer, powered off: they get the Unanswered SMS); invalid (invalid number,
 * rejected); failed (network, gateway). An outcome added later that is no
 * call at all (a number skipped as "do not call") belongs to no group: it is
 * counted apart and stays out of the answer rate.
 */
export const OUTCOME_GROUPS = ['answered', 'unanswered', 'invalid', 'failed'] as const;
export type OutcomeGroup = (typeof OUTCOME_GROUPS)[number];

const GROUP_OF: Partial<Record<CallOutcome, OutcomeGroup>> = {
  answered: 'answered',
  busy: 'unanswered',
  noAnswer: 'unanswered',
  poweredOff: 'unanswered',
  invalidNumber: 'invalid',
  rejected: 'invalid',
  failed: 'failed',
};

export function outcomeGroup(outcome: CallOutcome): OutcomeGroup | null {
  return GROUP_OF[outcome] ?? null;
}

/** A count for every outcome of OUTCOMES, so a chart or a figure never misses one added later. */
export type OutcomeCounts = Record<CallOutcome, number>;

export function emptyOutcomeCounts(): OutcomeCounts {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;
}

export function groupCounts(counts: OutcomeCounts): Record<OutcomeGroup, number> {
  const out: Record<OutcomeGroup, number> = { answered: 0, unanswered: 0, invalid: 0, failed: 0 };
  for (const outcome of OUTCOMES) {
    const group = outcomeGroup(outcome);
    if (group) out[group] += counts[outcome];
  }
  return out;
}

/** Answered calls among the calls placed (outcomes outside the four groups are not calls); null before any. */
export function answerRate(counts: OutcomeCounts): number | null {
  const groups = groupCounts(counts);
  const calls = groups.answered + groups.unanswered + groups.invalid + groups.failed;
  return calls === 0 ? null : groups.answered / calls;
}

/**
 * "Call again" (as VICIdial's list recycling): the outcomes whose numbers a
 * new task may call again. Answered, invalid and rejected numbers are not
 * offered: calling them again would only annoy or fail the same way.
 */
export const CALL_AGAIN_OUTCOMES = ['busy', 'noAnswer', 'poweredOff', 'failed'] as const satisfies readonly CallOutcome[];
export type CallAgainOutcome = (typeof CALL_AGAIN_OUTCOMES)[number];
/** Ticked when the dialog opens: the unanswered ones (the source document's "busy, no answer, powered off"). */
export const CALL_AGAIN_DEFAULT: readonly CallAgainOutcome[] = ['busy', 'noAnswer', 'poweredOff'];
