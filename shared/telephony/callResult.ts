import type { CallReport } from '../types.js';

/** One SIP message as sent or received, for the trace the user opens for support. */
export interface SipTraceEntry {
  /** Epoch milliseconds. */
  at: number;
  /** `omitted` marks where messages were left out of a long trace (its first and last messages are kept). */
  direction: 'out' | 'in' | 'omitted';
  /** "udp:192.0.2.1:5060"; empty on an `omitted` marker. */
  remote: string;
  /** The message text with Authorization/Proxy-Authorization values masked; on a marker, a note saying how many were left out. */
  text: string;
  /** On an `omitted` marker: how many messages were left out there. */
  omitted?: number;
}

/** A 3xx the call followed (RFC 3261 §8.1.3.4): its status and the Request-URI of the INVITE that followed it. */
export interface RedirectHop {
  status: number;
  target: string;
}

/**
 * The structured result of one call attempt (issue 3 "Outcome"): the
 * CallReport a task keeps, with its times and trace. `ringMs` runs from the
 * first 180/183 (or from the INVITE when none came) to the final response,
 * null if the INVITE never left; `answeredMs` is the talk time from the
 * 200 OK to the end, null when not answered. `playedToEnd` is measured even
 * for an unanswered call (false); the task stores null then (toCallReport).
 */
export interface CallResult extends Omit<CallReport, 'playedMs' | 'playedToEnd'> {
  playedMs: number;
  playedToEnd: boolean;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number;
  /** The redirects followed, in order (at most 3); empty or absent when none. */
  redirects?: RedirectHop[];
  trace: SipTraceEntry[];
}

/** A test call from Settings > Gateway (`gateway.testCall`): the call's result, and whether the user stopped it. */
export interface TestCallResult extends CallResult {
  /**
   * `gateway.cancelTestCall` ended it while it was in progress: with CANCEL
   * while it rang, with BYE once answered, or before the INVITE left. Its
   * outcome then says what the gateway answered, not what the callee did.
   */
  cancelledByUser: boolean;
}
