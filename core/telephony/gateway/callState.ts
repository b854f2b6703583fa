import type { AppErrorShape } from '../../../shared/result.js';
import type { SipResponse } from '../sip/message.js';
import type { Destination } from '../sip/transport.js';

/**
 * The state machine of one outbound call (outboundCall.ts). Every change of
 * a call's state is a row of CALL_TRANSITIONS; `nextCallState` reads it and
 * knows nothing else, and docs/ARCHITECTURE.md "Call state machine" is drawn
 * from the same rows (callState.test.ts checks that the drawing is the table).
 *
 * What is not state stays data beside it in OutboundCall: the facts the
 * outcome is classified from (`OutcomeFacts`: final status, Q.850 cause,
 * whether our CANCEL went out, whether the call was answered), the early
 * dialogs of reliable provisionals, the SDP offer/answer exchange inside the
 * confirmed dialog, and the times for the result.
 */
export const CALL_STATE_MEANINGS = {
  setup: 'The media session is being opened; nothing has been sent.',
  calling: 'An INVITE is out (the first, or again after a challenge, a 422 or a redirect); no provisional answered it yet.',
  ringing: 'A provisional answered the current INVITE: CANCEL may now be sent (RFC 3261 §9.1).',
  redirecting: "A 3xx is being followed: the next target's address is being resolved (§8.1.3.4).",
  cancelWaiting: 'The ring timeout passed before any provisional: CANCEL waits for one (§9.1); a 2xx is still taken.',
  abortWaiting: 'The call was aborted before any provisional: CANCEL waits for one (§9.1); a 2xx is hung up at once.',
  cancelling: "CANCEL is out: waiting for the INVITE's final response (487) or a 2xx that crossed it, at most 64*T1.",
  confirmed: 'The 2xx is acknowledged (the dialog is confirmed, §13.2.2.4): media set from the answer, the recording plays.',
  hangingUp: 'Our BYE is out (§15.1.1): waiting for its response.',
  ended: 'The result is delivered; the call lingers 64*T1 only to answer retransmissions.',
} as const;

export type CallState = keyof typeof CALL_STATE_MEANINGS;

export const CALL_STATES = Object.keys(CALL_STATE_MEANINGS) as CallState[];

/**
 * What happens to a call. A payload is for what the call does on the
 * transition; the next state depends on the type alone. `problem` is added
 * to the call's problems when the transition is taken.
 */
export type CallEvent =
  /** The media session is open; the INVITE goes out. */
  | { type: 'mediaOpened' }
  /** The media session could not be opened. */
  | { type: 'mediaOpenFailed'; problem: AppErrorShape }
  /** A 1xx to the current INVITE (after the RFC 3262 checks of a reliable one). */
  | { type: 'provisional'; status: number }
  /** A 401/407 answered with credentials (§22.2) or a 422 answered with its Min-SE (RFC 4028 §7.4): the INVITE is sent again. */
  | { type: 'retry'; why: 'challenge' | 'sessionInterval' }
  /** A 3xx with a Contact we can follow (redirect.ts). */
  | { type: 'redirect' }
  /** The redirect target's address is known: INVITE it. */
  | { type: 'redirectResolved'; hop: Destination }
  /** The redirect target's address cannot be resolved. */
  | { type: 'redirectFailed'; problem: AppErrorShape }
  /** A final non-2xx response to the INVITE that is not retried (the transaction ACKs it itself, §17.1.1.3). */
  | { type: 'final'; response: SipResponse; problem?: AppErrorShape }
  /** Timer B (§17.1.1.2): no response to the INVITE (the problem says so unless a dropped response came). */
  | { type: 'noResponse'; problem?: AppErrorShape }
  /** The INVITE could not be sent (§17.1.4). */
  | { type: 'transportError'; problem: AppErrorShape }
  /** The ring timeout passed. */
  | { type: 'ringTimeout' }
  /** The caller's AbortSignal (a task paused or cancelled, a test call's Cancel). */
  | { type: 'abort' }
  /** The gateway stops: as abort, but a call with nothing to CANCEL yet gives up at once. */
  | { type: 'stop' }
  /** §9.1: no final response 64*T1 after our CANCEL: the INVITE counts as cancelled. */
  | { type: 'cancelTimeout' }
  /** A 2xx to the current INVITE, already ACKed (§13.2.2.4); `sdp` is the answer (from it, or from a reliable provisional, RFC 3262 §5). */
  | { type: 'answer'; sdp: string; response: SipResponse }
  /** The 2xx's SDP answer cannot be used. */
  | { type: 'answerUnusable'; problem: AppErrorShape }
  /** The recording was played (x playTimes, then the tail), or the media thread died under it. */
  | { type: 'playbackEnded' }
  /** The call reached the maximum call length. */
  | { type: 'maxDuration'; problem: AppErrorShape }
  /** The callee was the refresher and no refresh came in time (RFC 4028 §10). */
  | { type: 'sessionExpired'; problem: AppErrorShape }
  /** Our session refresh failed (RFC 4028 §10). */
  | { type: 'refreshFailed'; problem: AppErrorShape }
  /** Our session refresh succeeded (RFC 4028 §7.4, §9). */
  | { type: 'refreshed' }
  /** A re-INVITE or UPDATE from the callee was answered (§14.2, RFC 3311): hold, new media, a session refresh. */
  | { type: 'reoffer' }
  /** The callee's BYE (§15.1.2), with the Q.850 cause of its Reason header (RFC 3326). */
  | { type: 'byeReceived'; q850Cause: number | null }
  /** Our BYE got its response, timed out or could not be sent. */
  | { type: 'byeDone'; problem?: AppErrorShape };

export type CallEventType = CallEvent['type'];

/** Every event type once (a missing or unknown one is a compile error). */
const EVENT_TYPE_SET: Record<CallEventType, true> = {
  mediaOpened: true,
  mediaOpenFailed: true,
  provisional: true,
  retry: true,
  redirect: true,
  redirectResolved: true,
  redirectFailed: true,
  final: true,
  noResponse: true,
  transportError: true,
  ringTimeout: true,
  abort: true,
  stop: true,
  cancelTimeout: true,
  answer: true,
  answerUnusable: true,
  playbackEnded: true,
  maxDuration: true,
  sessionExpired: true,
  refreshFailed: true,
  refreshed: true,
  reoffer: true,
  byeReceived: true,
  byeDone: true,
};

export const CALL_EVENT_TYPES = Object.keys(EVENT_TYPE_SET) as CallEventType[];

export type CallTransition = readonly [from: CallState, on: CallEventType, to: CallState];

/**
 * Every transition of a call. A pair (state, event) not listed is refused:
 * the call logs it and stays where it is. `ended` has no rows: what comes
 * after the result (retransmissions, a late timer) changes nothing.
 */
export const CALL_TRANSITIONS: readonly CallTransition[] = [
  ['setup', 'mediaOpened', 'calling'],
  ['setup', 'mediaOpenFailed', 'ended'],
  ['setup', 'abort', 'ended'],
  ['setup', 'stop', 'ended'],

  ['calling', 'provisional', 'ringing'],
  ['calling', 'retry', 'calling'],
  ['calling', 'redirect', 'redirecting'],
  ['calling', 'answer', 'confirmed'],
  ['calling', 'final', 'ended'],
  ['calling', 'noResponse', 'ended'],
  ['calling', 'transportError', 'ended'],
  ['calling', 'ringTimeout', 'cancelWaiting'],
  ['calling', 'abort', 'abortWaiting'],
  ['calling', 'stop', 'ended'],

  ['ringing', 'provisional', 'ringing'],
  ['ringing', 'retry', 'calling'],
  ['ringing', 'redirect', 'redirecting'],
  ['ringing', 'answer', 'confirmed'],
  ['ringing', 'final', 'ended'],
  ['ringing', 'transportError', 'ended'],
  ['ringing', 'ringTimeout', 'cancelling'],
  ['ringing', 'abort', 'cancelling'],
  ['ringing', 'stop', 'cancelling'],

  ['redirecting', 'redirectResolved', 'calling'],
  ['redirecting', 'redirectFailed', 'ended'],
  // The 3xx's transaction can still fail to send its ACK (§17.1.1.3); the call ends as it did before.
  ['redirecting', 'transportError', 'ended'],
  ['redirecting', 'ringTimeout', 'ended'],
  ['redirecting', 'abort', 'ended'],
  ['redirecting', 'stop', 'ended'],

  ['cancelWaiting', 'provisional', 'cancelling'],
  ['cancelWaiting', 'answer', 'confirmed'],
  ['cancelWaiting', 'final', 'ended'],
  ['cancelWaiting', 'noResponse', 'ended'],
  ['cancelWaiting', 'transportError', 'ended'],
  ['cancelWaiting', 'abort', 'abortWaiting'],
  ['cancelWaiting', 'stop', 'ended'],

  ['abortWaiting', 'provisional', 'cancelling'],
  ['abortWaiting', 'answer', 'hangingUp'],
  ['abortWaiting', 'final', 'ended'],
  ['abortWaiting', 'noResponse', 'ended'],
  ['abortWaiting', 'transportError', 'ended'],
  ['abortWaiting', 'stop', 'ended'],

  ['cancelling', 'provisional', 'cancelling'],
  ['cancelling', 'answer', 'hangingUp'],
  ['cancelling', 'final', 'ended'],
  ['cancelling', 'transportError', 'ended'],
  ['cancelling', 'cancelTimeout', 'ended'],
  ['cancelling', 'ringTimeout', 'cancelling'],
  ['cancelling', 'abort', 'cancelling'],
  ['cancelling', 'stop', 'cancelling'],

  ['confirmed', 'reoffer', 'confirmed'],
  ['confirmed', 'refreshed', 'confirmed'],
  ['confirmed', 'byeReceived', 'ended'],
  ['confirmed', 'answerUnusable', 'hangingUp'],
  ['confirmed', 'playbackEnded', 'hangingUp'],
  ['confirmed', 'maxDuration', 'hangingUp'],
  ['confirmed', 'sessionExpired', 'hangingUp'],
  ['confirmed', 'refreshFailed', 'hangingUp'],
  ['confirmed', 'abort', 'hangingUp'],
  ['confirmed', 'stop', 'hangingUp'],

  ['hangingUp', 'byeDone', 'ended'],
  // Both sides hung up at once: the callee's BYE is answered, ours still completes.
  ['hangingUp', 'byeReceived', 'hangingUp'],
  // The end of the recording may already be on its way when the BYE goes.
  ['hangingUp', 'playbackEnded', 'hangingUp'],
  ['hangingUp', 'abort', 'hangingUp'],
  ['hangingUp', 'stop', 'hangingUp'],
];

const TABLE: ReadonlyMap<string, CallState> = new Map(CALL_TRANSITIONS.map(([from, on, to]) => [`${from}|${on}`, to]));

/** The state a call moves to on `event`, or null when the table has no such transition (the event is refused). */
export function nextCallState(state: CallState, event: { type: CallEventType }): CallState | null {
  return TABLE.get(`${state}|${event.type}`) ?? null;
}
