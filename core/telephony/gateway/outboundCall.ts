import type { AppErrorShape } from '../../../shared/result.js';
import type { CallResult } from '../../../shared/telephony/callResult.js';
import { classifyOutcome, type OutcomeFacts } from '../../../shared/telephony/outcome.js';
import { q850CauseOf } from '../../../shared/telephony/reason.js';
import { problem, problemOf } from '../../errors.js';
import type { MediaFactory, MediaSession, NegotiatedMedia, PreparedPayloads } from '../media/types.js';
import { DigestSession } from '../sip/digest.js';
import { Dialog } from '../sip/dialog.js';
import { newBranch, newCallId, newTag } from '../sip/ids.js';
import { allows, MIN_SE_FLOOR, minSeOf, optionTags, rseqOf, SUPPORTED } from '../sip/extensions.js';
import { cseqOf, getHeader, getHeaderLines, getHeaderList, type SipHeader, type SipRequest, type SipResponse } from '../sip/message.js';
import { sendNonInvite, type NonInviteOutcome } from '../sip/nonInvite.js';
import type { CallHandler, SipStack } from '../sip/stack.js';
import type { TimerHandle } from '../sip/timers.js';
import type { ClientTransaction } from '../sip/transaction.js';
import type { Destination } from '../sip/transport.js';
import { formatNameAddr, tagOf } from '../sip/uri.js';
import { nextCallState, type CallEvent, type CallEventType, type CallState } from './callState.js';
import { DEFAULT_MAX_CALL_MS, DEFAULT_PLAYOUT_TAIL_MS, type GatewayConfig } from './config.js';
import { transportProblem } from './problems.js';
import { chooseRedirectTarget, redirectProblem } from './redirect.js';
import { destinationOfUri } from './resolve.js';
import { refreshHeaders, SessionTimer } from './sessionTimer.js';
import { TraceRecorder } from './trace.js';

export interface OutboundCallRequest {
  /** The user part of the Request-URI, already formatted for the gateway. */
  number: string;
  payloads: PreparedPayloads;
  ringTimeoutMs: number;
  playTimes: number;
  signal?: AbortSignal;
}

export interface OutboundCallDeps {
  stack: SipStack;
  config: GatewayConfig;
  media: MediaFactory;
  /** Address for SDP c= and the RTP socket. */
  mediaAddress: string;
  /** Where requests go: the outbound proxy or the gateway (resolved). */
  firstHop: Destination;
  /** Host part for Request-URI / From / To. */
  domain: string;
  log: (line: string) => void;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE';

/** A reliable provisional's early dialog (RFC 3262 §4): its PRACKs and the SDP answer it carried (§5). */
interface EarlyDialog {
  dialog: Dialog;
  lastRSeq: number;
  answer: string | null;
}

const NOT_PLACED = problem('call.aborted');

/** An SDP answer that cannot be used: the media layer's own AppError (no common codec, ...) when it threw one. */
function badAnswer(err: unknown): AppErrorShape {
  return problemOf(err, (detail) => problem('sip.badAnswer', { detail }));
}


/** The SDP offer/answer exchange inside the confirmed dialog (RFC 3264 §4), beside the call state: at most one offer is open. */
type OfferAnswer =
  /** No offer is waiting for its answer. */
  | 'idle'
  /** Our re-INVITE's offer awaits its answer: an offer from the callee now gets 491 (§14.2, RFC 3311 §5.2). */
  | 'ourReInvite'
  /** We answered an offerless re-INVITE with our offer; its answer comes in the ACK (RFC 3264 §8). */
  | 'answerInAck';

/** States in which the ring timeout runs: until the call is answered or a CANCEL is wanted. */
const RING_TIMED: ReadonlySet<CallState> = new Set<CallState>(['calling', 'ringing', 'redirecting']);

/**
 * One outbound call (issue 3): INVITE with an SDP offer, provisional
 * responses, CANCEL on ring timeout or abort (RFC 3261 §9.1), ACK for the 2xx
 * (§13.2.2.4), the recording played, BYE from whichever side ends first
 * (§15), and the classification of docs/DOMAIN.md's outcome table.
 *
 * Its state changes only through `dispatch`, by the table of callState.ts;
 * what a transition does (send an INVITE, CANCEL, BYE, start the media,
 * deliver the result) is `enter`.
 */
export class OutboundCall implements CallHandler {
  private state: CallState = 'setup';
  private readonly callId: string;
  private readonly fromTag = newTag();
  private readonly trace: TraceRecorder;
  private readonly timers;
  private media: MediaSession | null = null;
  private invite: SipRequest | null = null;
  private inviteTx: ClientTransaction | null = null;
  private cseq = 1;
  private digest: DigestSession | null = null;
  private authHeaders: SipHeader[] = [];
  private dialog: Dialog | null = null;
  private ringTimer: TimerHandle | null = null;
  private cancelGuard: TimerHandle | null = null;
  private maxCallTimer: TimerHandle | null = null;
  private readonly startedAt: number;
  private inviteSentAt: number | null = null;
  private firstRingAt: number | null = null;
  private finalAt: number | null = null;
  private answeredAt: number | null = null;
  /** What docs/DOMAIN.md's outcome table is read from (shared/telephony/outcome.ts). */
  private readonly facts: OutcomeFacts = { finalStatus: null, q850Cause: null, cancelledByUs: false, answered: false };
  private readonly errors: AppErrorShape[] = [];
  /** The Request-URI and first hop of the current INVITE: the gateway's, then each 3xx target's (§8.1.3.4). */
  private target = '';
  private targetHop: Destination;
  private readonly tried: string[] = [];
  private readonly redirects: { status: number; target: string }[] = [];
  /** The 3xx being followed while `redirecting`: its target, and its status if the call ends there. */
  private redirect: { response: SipResponse; target: string; contact: string } | null = null;
  private readonly earlyDialogs = new Map<string, EarlyDialog>();
  /** Final responses to the INVITE that were dropped, reported when the call ends unanswered (issue 10). */
  private readonly droppedFinals = new Map<string, AppErrorShape>();
  /** A response to our INVITE came, even if dropped: the gateway is not silent (sipPlacer's GATEWAY_SILENT). */
  private droppedAny = false;
  /** Session-Expires our INVITE asks for after a 422 (RFC 4028 §7.4), else none. */
  private sessionExpiresAsked: number | null = null;
  private readonly session: SessionTimer;
  /** The callee's 2xx listed UPDATE in Allow (RFC 3311 §5.1): refreshes go by UPDATE, else by re-INVITE. */
  private peerAllowsUpdate = false;
  private offerAnswer: OfferAnswer = 'idle';
  /** Held until the result is delivered: a call that lingers for retransmissions must not keep its result alive. */
  private resolveDone: ((result: CallResult) => void) | null = null;

  constructor(
    private readonly deps: OutboundCallDeps,
    private readonly request: OutboundCallRequest,
  ) {
    this.timers = deps.stack.timers;
    this.startedAt = this.timers.now();
    this.callId = newCallId(deps.mediaAddress);
    this.trace = new TraceRecorder(() => this.timers.now());
    this.targetHop = deps.firstHop;
    this.session = new SessionTimer(this.timers, {
      refreshDue: (seconds) => void this.refreshSession(seconds),
      expired: (seconds) =>
        this.dispatch({
          type: 'sessionExpired',
          problem: problem('sip.sessionExpired', { seconds }),
        }),
    });
  }

  /** Places the call and resolves with its result (call failures are outcomes, not rejections). */
  async start(): Promise<CallResult> {
    const done = new Promise<CallResult>((resolve) => (this.resolveDone = resolve));
    // An abort while the media opens ends the call before place() returns; a failure to place rejects.
    await Promise.race([this.place(), done]);
    return done;
  }

  /**
   * The one way a call changes state: the transition table decides
   * (callState.ts); an event it has no row for is logged and ignored. After
   * the end nothing is logged: late retransmissions and timers are expected.
   */
  private dispatch(event: CallEvent): boolean {
    const from = this.state;
    const to = nextCallState(from, event);
    if (to === null) {
      if (from !== 'ended') this.deps.log(`call ${this.callId}: ignored ${event.type} in state ${from}`);
      return false;
    }
    if ('problem' in event && event.problem) this.errors.push(event.problem);
    this.state = to;
    this.enter(from, to, event);
    return true;
  }

  /** Whether the table takes `type` in the current state, asked before work that only that transition needs. */
  private accepts(type: CallEventType): boolean {
    return nextCallState(this.state, { type }) !== null;
  }

  /** What a transition does. Self-transitions do nothing but resend the INVITE of a retry. */
  private enter(from: CallState, to: CallState, event: CallEvent): void {
    if (!RING_TIMED.has(to)) this.timers.clearTimeout(this.ringTimer);
    if (from === 'cancelling' && to !== 'cancelling') this.timers.clearTimeout(this.cancelGuard);
    if (to === 'hangingUp' || to === 'ended') {
      this.timers.clearTimeout(this.maxCallTimer);
      this.session.stop();
    }
    if (from === to && to !== 'calling') return;
    switch (to) {
      case 'calling':
        this.inviteAgain(event);
        return;
      case 'redirecting':
        void this.resolveRedirect();
        return;
      case 'cancelling':
        this.sendCancel();
        return;
      case 'confirmed':
        if (event.type === 'answer') this.takeAnswer(event.sdp, event.response);
        return;
      case 'hangingUp':
        // The 200 crossed our CANCEL (§9.1), or came after an abort: take the call down at once.
        if (event.type === 'answer') this.errors.push(problem('sip.answeredAfterCancel'));
        void this.sendBye();
        return;
      case 'ended':
        this.finish(from, event);
        return;
      default:
        return; // ringing, cancelWaiting, abortWaiting: nothing to send
    }
  }

  private async place(): Promise<void> {
    const { signal } = this.request;
    if (signal?.aborted) {
      this.dispatch({ type: 'abort' });
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    let media: MediaSession;
    try {
      media = await this.deps.media.open({
        localAddress: this.deps.mediaAddress,
        portRange: this.deps.config.rtpPortRange,
        codecs: this.deps.config.codecs,
      });
    } catch (err) {
      this.dispatch({
        type: 'mediaOpenFailed',
        problem: problemOf(err, (detail) => problem('media.openFailed', { detail })),
      });
      return;
    }
    if (this.state === 'ended') {
      // Aborted or stopped while the media opened: the result is out already.
      this.closeMedia(media);
      return;
    }
    this.media = media;
    this.deps.stack.registerCall(this.callId, this, this.trace.record);
    this.dispatch({ type: 'mediaOpened' });
  }

  /** Entering `calling`: the first INVITE, or the next one after a challenge, a 422 or a redirect (each with the next CSeq). */
  private inviteAgain(event: CallEvent): void {
    if (event.type === 'mediaOpened') {
      this.inviteSentAt = this.timers.now();
      this.ringTimer = this.timers.setTimeout(() => this.dispatch({ type: 'ringTimeout' }), this.request.ringTimeoutMs);
      this.target = this.gatewayUri;
      this.tried.push(this.target);
    } else {
      if (event.type === 'redirectResolved') {
        this.target = this.redirect!.target;
        this.targetHop = event.hop;
        this.redirect = null;
        // Credentials belong to the server that asked for them (§22.2); a new target challenges anew.
        this.authHeaders = [];
        this.digest = null;
      }
      this.cseq++;
    }
    this.sendInvite();
  }

  private get gatewayUri(): string {
    const { config } = this.deps;
    const port = config.port !== 5060 ? `:${config.port}` : '';
    const transport = config.transport === 'tcp' ? ';transport=tcp' : '';
    return `sip:${this.request.number}@${this.deps.domain}${port}${transport}`;
  }

  private sendInvite(): void {
    const { config, stack } = this.deps;
    const from = formatNameAddr({
      displayName: config.callerId.displayName || null,
      uri: `sip:${config.callerId.user}@${this.deps.domain}`,
      params: { tag: this.fromTag },
    });
    const to = `<sip:${this.request.number}@${this.deps.domain}>`;
    const route: SipHeader[] = config.outboundProxy ? [{ name: 'Route', value: `<sip:${config.outboundProxy.host}:${config.outboundProxy.port};lr>` }] : [];
    // RFC 4028 §7.4: after a 422 the INVITE asks for at least the peer's Min-SE.
    const sessionTimer: SipHeader[] =
      this.sessionExpiresAsked === null
        ? []
        : [
            { name: 'Session-Expires', value: String(this.sessionExpiresAsked) },
            { name: 'Min-SE', value: String(this.sessionExpiresAsked) },
          ];
    const invite: SipRequest = {
      kind: 'request',
      method: 'INVITE',
      uri: this.target,
      headers: [
        { name: 'Via', value: stack.via(newBranch()) },
        ...route,
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: from },
        { name: 'To', value: to },
        { name: 'Call-ID', value: this.callId },
        { name: 'CSeq', value: `${this.cseq} INVITE` },
        { name: 'Contact', value: `<${stack.contactUri(config.callerId.user)}>` },
        ...this.authHeaders,
        { name: 'Allow', value: ALLOW },
        // RFC 3262 §4 and RFC 4028 §7.1: we PRACK reliable provisionals and take part in session timers.
        { name: 'Supported', value: SUPPORTED },
        ...sessionTimer,
        { name: 'User-Agent', value: stack.userAgent },
        { name: 'Content-Type', value: 'application/sdp' },
      ],
      body: this.media!.offer(),
    };
    this.invite = invite;
    const hop = this.targetHop;
    this.inviteTx = stack.sendRequest(invite, hop, {
      onResponse: (response) => this.onInviteResponse(invite, response),
      onTimeout: () => {
        if (this.invite !== invite) return;
        // Timer B (§17.1.1.2): no response at all to the INVITE; a dropped one means the gateway is not silent.
        this.dispatch({ type: 'noResponse', problem: this.droppedAny ? undefined : problem('sip.noResponse', { request: 'INVITE' }) });
      },
      onTransportError: (error) => {
        if (this.invite !== invite) return;
        this.dispatch({ type: 'transportError', problem: transportProblem(error, hop, 'INVITE') });
      },
      onDropped: (response, reason) => this.onDroppedResponse(response, reason),
    });
  }

  /**
   * A response to our INVITE that the stack refused (bad framing, another
   * Call-ID or tag). A final one might have decided the call, so it is said
   * when the call ends unanswered (issue 10); provisionals only go to the log.
   */
  private onDroppedResponse(response: SipResponse, reason: string): void {
    this.deps.log(`call ${this.callId}: dropped a ${response.status} response: ${reason}`);
    this.droppedAny = true;
    if (response.status < 200) return;
    const key = `${response.status}|${reason}`;
    if (this.droppedFinals.has(key)) return; // retransmissions of the same message
    this.droppedFinals.set(
      key,
      problem('sip.responseDropped', { status: response.status, detail: reason }),
    );
  }

  private onInviteResponse(invite: SipRequest, response: SipResponse): void {
    const status = response.status;
    if (status >= 200 && status < 300) {
      this.on2xx(invite, response);
      return;
    }
    if (invite !== this.invite) return; // a response to an INVITE we have sent again since
    if (status < 200) this.onProvisional(invite, response);
    else this.onFinal(invite, response);
  }

  private onProvisional(invite: SipRequest, response: SipResponse): void {
    const status = response.status;
    if (!this.accepts('provisional')) return; // a late 1xx (after the final response, or the 3xx being followed)
    if (status > 100 && optionTags(response, 'Require').has('100rel') && !this.acknowledgeReliable(invite, response)) return;
    if (!this.dispatch({ type: 'provisional', status })) return;
    if ((status === 180 || status === 183) && this.firstRingAt === null) this.firstRingAt = this.timers.now();
  }

  /**
   * A final non-2xx response; the INVITE transaction has sent its ACK itself
   * (§17.1.1.3). A 3xx, a 422 and a challenge are followed while the table
   * takes a retry (not once a CANCEL is wanted); anything else ends the call.
   */
  private onFinal(invite: SipRequest, response: SipResponse): void {
    const status = response.status;
    if (status >= 300 && status < 400 && this.accepts('redirect')) {
      const choice = chooseRedirectTarget(response, this.tried, this.redirects.length, this.deps.config.transport);
      if (choice.ok) {
        this.redirects.push({ status, target: choice.target });
        this.tried.push(choice.target);
        this.earlyDialogs.clear();
        this.redirect = { response, target: choice.target, contact: choice.contact };
        this.dispatch({ type: 'redirect' });
        return;
      }
      this.dispatch({ type: 'final', response, problem: redirectProblem(response, choice.contact, choice.why) });
      return;
    }
    if (status === 422 && this.accepts('retry')) {
      // RFC 4028 §7.4: a 422 names the smallest interval the peer takes (Min-SE); INVITE again asking for it, once.
      const minSe = minSeOf(response);
      if (minSe !== null && (this.sessionExpiresAsked === null || this.sessionExpiresAsked < minSe)) {
        this.sessionExpiresAsked = Math.max(minSe, MIN_SE_FLOOR);
        this.dispatch({ type: 'retry', why: 'sessionInterval' });
        return;
      }
    }
    if ((status === 401 || status === 407) && this.accepts('retry')) {
      const challenges = getHeaderLines(response, status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
      this.digest ??= this.digestSession();
      const answer = this.digest.answer(status, challenges, 'INVITE', invite.uri);
      if (answer.ok) {
        // §22.2: the retry has CSeq+1 and the same Call-ID and From tag; To without tag.
        this.authHeaders = [...this.authHeaders.filter((h) => h.name !== answer.header.name), answer.header];
        this.dispatch({ type: 'retry', why: 'challenge' });
        return;
      }
      this.dispatch({ type: 'final', response, problem: answer.problem });
      return;
    }
    this.dispatch({ type: 'final', response });
  }

  /** The INVITE's final response decided the call: its status and the Q.850 cause of its Reason header (RFC 3326). */
  private recordFinal(response: SipResponse): void {
    this.finalAt = this.timers.now();
    this.facts.finalStatus = response.status;
    this.facts.q850Cause = q850CauseOf(getHeaderLines(response, 'Reason'));
  }
  /**
   * RFC 3262 §4: a provisional with `Require: 100rel` and an RSeq is
   * acknowledged with a PRACK in its early dialog. The first one of a dialog
   * sets the sequence; a later one is taken only with RSeq one higher: a
   * retransmission (same RSeq) or an out-of-order one is not processed (the
   * PRACK transaction itself retransmits until its final response, §17.1.2).
   * Returns whether the provisional is processed further.
   */
  private acknowledgeReliable(invite: SipRequest, response: SipResponse): boolean {
    const rseq = rseqOf(response);
    const toTag = tagOf(getHeader(response, 'To'));
    if (rseq === null || !toTag) {
      this.deps.log(`call ${this.callId}: a ${response.status} requires 100rel without ${rseq === null ? 'a valid RSeq' : 'a To tag'}; taken as unreliable`);
      return true;
    }
    let early = this.earlyDialogs.get(toTag);
    if (early && rseq !== early.lastRSeq + 1) return false;
    if (!early) {
      early = { dialog: new Dialog(invite, response), lastRSeq: rseq, answer: null };
      this.earlyDialogs.set(toTag, early);
    }
    early.lastRSeq = rseq;
    // RFC 3262 §5: an SDP answer in a reliable provisional is the answer to the INVITE's offer (RFC 3261 §13.2.1).
    if (early.answer === null && response.body.trim()) early.answer = response.body;
    void this.prack(early.dialog, invite, rseq);
    return true;
  }

  private async prack(dialog: Dialog, invite: SipRequest, rseq: number): Promise<void> {
    const outcome = await this.requestInDialog(dialog, 'PRACK', [{ name: 'RAck', value: `${rseq} ${cseqOf(invite).seq} INVITE` }]);
    if (outcome.kind !== 'response' || outcome.response.status >= 300) {
      this.deps.log(`call ${this.callId}: the PRACK for RSeq ${rseq} failed (${outcome.kind === 'response' ? outcome.response.status : outcome.kind})`);
    }
  }

  /**
   * Entering `redirecting` (§8.1.3.4): the new INVITE goes through the
   * outbound proxy when one is set, else to the Contact's host. It keeps the
   * Call-ID, From and To and takes the next CSeq, as a retry does (§8.1.3.5).
   */
  private async resolveRedirect(): Promise<void> {
    const { response, target, contact } = this.redirect!;
    const hop = this.deps.config.outboundProxy ? this.deps.firstHop : await destinationOfUri(target);
    if (hop) this.dispatch({ type: 'redirectResolved', hop });
    else this.dispatch({ type: 'redirectFailed', problem: redirectProblem(response, contact, 'unresolvable') });
  }

  private on2xx(invite: SipRequest, response: SipResponse): void {
    const toTag = tagOf(getHeader(response, 'To'));
    if (this.dialog) {
      if (toTag === this.dialog.remoteTag) {
        // A retransmitted 2xx: our ACK was lost; answer it again (§13.2.2.4).
        if (this.dialog.ack) this.sendInDialog(this.dialog, this.dialog.ack);
      } else {
        this.hangUpFork(invite, response); // §13.2.2.4: a second 2xx from a fork gets ACK then BYE
      }
      return;
    }
    if (invite !== this.invite || !this.accepts('answer')) {
      this.hangUpFork(invite, response); // a 2xx after the call ended (Timer B, the CANCEL's 64*T1): ACK and BYE it
      return;
    }
    this.finalAt = this.timers.now();
    this.facts.finalStatus = response.status;
    this.facts.q850Cause = null;
    const dialog = new Dialog(invite, response);
    const early = toTag ? this.earlyDialogs.get(toTag) : undefined;
    if (early) dialog.continueLocalSeq(early.dialog);
    this.dialog = dialog;
    dialog.ack = dialog.buildAck(invite, this.deps.stack.via(newBranch()));
    this.sendInDialog(dialog, dialog.ack);
    this.peerAllowsUpdate = allows(response, 'UPDATE');
    // RFC 3262 §5: the answer may have come in a reliable provisional; a 2xx then repeats it or has none.
    this.dispatch({ type: 'answer', sdp: early?.answer ?? response.body, response });
  }

  /** Entering `confirmed`: media set from the answer, the recording starts, the length limit and session timer run. */
  private takeAnswer(sdp: string, response: SipResponse): void {
    try {
      this.noteMediaWarnings(this.media!.applyAnswer(sdp));
    } catch (err) {
      this.dispatch({ type: 'answerUnusable', problem: badAnswer(err) });
      return;
    }
    this.facts.answered = true;
    this.answeredAt = this.finalAt;
    this.maxCallTimer = this.timers.setTimeout(
      () => this.dispatch({ type: 'maxDuration', problem: problem('call.maxDuration') }),
      this.deps.config.maxCallMs ?? DEFAULT_MAX_CALL_MS,
    );
    this.session.fromResponse(response); // RFC 4028 §7.2
    const tailMs = this.deps.config.playoutTailMs ?? DEFAULT_PLAYOUT_TAIL_MS;
    this.media!.play(this.request.payloads, { times: this.request.playTimes, tailMs, onEnd: () => this.dispatch({ type: 'playbackEnded' }) });
  }

  /**
   * RFC 4028 §7.4/§9: refresh as the refresher: UPDATE without a body when
   * the peer allows UPDATE (RFC 3311), else a re-INVITE with our offer
   * again. A 422 raises the interval to its Min-SE and tries again; any other
   * failure ends the call (§10: a session that cannot be refreshed is over).
   */
  private async refreshSession(seconds: number): Promise<void> {
    const dialog = this.dialog;
    if (!dialog || this.state !== 'confirmed') return;
    let method = 'UPDATE';
    let why = 'refused three times';
    for (let attempt = 0; attempt < 3 && this.state === 'confirmed'; attempt++) {
      const headers: SipHeader[] = [
        ...refreshHeaders(seconds),
        { name: 'Supported', value: SUPPORTED },
        { name: 'Contact', value: `<${this.deps.stack.contactUri(this.deps.config.callerId.user)}>` },
      ];
      method = this.peerAllowsUpdate ? 'UPDATE' : 'INVITE';
      const outcome = method === 'UPDATE' ? await this.requestInDialog(dialog, 'UPDATE', headers) : await this.reInvite(dialog, headers);
      if (this.state !== 'confirmed') return;
      if (outcome.kind !== 'response') {
        why = outcome.kind === 'timeout' ? 'no response' : outcome.error.message;
        break;
      }
      const { response } = outcome;
      if (response.status < 300) {
        // §7.2: the answer may change the interval or hand refreshing to the peer; without Session-Expires, timers stop.
        this.session.fromResponse(response);
        this.dispatch({ type: 'refreshed' });
        return;
      }
      why = `${response.status} ${response.reason}`;
      const minSe = minSeOf(response);
      if (response.status === 422 && minSe !== null && minSe > seconds) {
        seconds = minSe;
      } else if (method === 'UPDATE' && (response.status === 405 || response.status === 501)) {
        this.peerAllowsUpdate = false; // it said Allow: UPDATE but does not take one: re-INVITE instead
      } else if (response.status === 491) {
        // RFC 3261 §14.1: both sides offered at once; we own the Call-ID, so try again after 2.1 to 4 s.
        await new Promise<void>((resolve) => this.timers.setTimeout(resolve, 2100 + Math.floor(Math.random() * 1900)));
      } else {
        break;
      }
    }
    if (this.state !== 'confirmed') return;
    this.dispatch({
      type: 'refreshFailed',
      problem: problem('sip.sessionRefreshFailed', { method, detail: why }),
    });
  }
  /** A re-INVITE of ours (§14.1) with the current offer; its 2xx is ACKed (§13.2.2.4) and its answer applied. */
  private reInvite(dialog: Dialog, extra: SipHeader[]): Promise<NonInviteOutcome> {
    const stack = this.deps.stack;
    const headers: SipHeader[] = [...extra, { name: 'Allow', value: ALLOW }, { name: 'User-Agent', value: stack.userAgent }, { name: 'Content-Type', value: 'application/sdp' }];
    const request = dialog.createRequest('INVITE', stack.via(newBranch()), headers, this.media!.offer());
    this.offerAnswer = 'ourReInvite';
    return new Promise((resolve) => {
      let ack: SipRequest | null = null;
      const settle = (outcome: NonInviteOutcome) => {
        this.offerAnswer = 'idle';
        resolve(outcome);
      };
      void this.destinationFor(dialog, request).then((to) =>
        stack.sendRequest(request, to ?? this.deps.firstHop, {
          onResponse: (response) => {
            if (response.status < 200) return;
            if (response.status < 300) {
              // A retransmitted 2xx gets the same ACK again.
              const first = ack === null;
              ack ??= dialog.createRequest('ACK', stack.via(newBranch()), [], '', cseqOf(request).seq);
              this.sendInDialog(dialog, ack);
              if (!first) return;
              if (response.body.trim()) this.applyMedia(() => this.media?.applyAnswer(response.body));
            }
            settle({ kind: 'response', response });
          },
          onTimeout: () => settle({ kind: 'timeout' }),
          onTransportError: (error) => settle({ kind: 'transportError', error }),
        }),
      );
    });
  }

  private hangUpFork(invite: SipRequest, response: SipResponse): void {
    const fork = new Dialog(invite, response);
    this.sendInDialog(fork, fork.buildAck(invite, this.deps.stack.via(newBranch())));
    const bye = fork.createRequest('BYE', this.deps.stack.via(newBranch()), [{ name: 'User-Agent', value: this.deps.stack.userAgent }]);
    void this.destinationFor(fork, bye).then((to) => {
      if (to) void sendNonInvite(this.deps.stack, bye, to);
    });
  }

  private async destinationFor(dialog: Dialog, request: SipRequest): Promise<Destination | null> {
    if (this.deps.config.outboundProxy) return this.deps.firstHop;
    return (await destinationOfUri(dialog.nextHopUri(request))) ?? this.deps.firstHop;
  }

  private sendInDialog(dialog: Dialog, request: SipRequest): void {
    void this.destinationFor(dialog, request).then((to) => this.deps.stack.sendStateless(request, to ?? this.deps.firstHop));
  }

  /** Gateway stop: CANCEL or BYE as for an abort; with nothing to CANCEL yet (no provisional), give up at once. */
  abortNow(): void {
    this.dispatch({ type: 'stop' });
  }

  private readonly onAbort = (): void => {
    this.dispatch({ type: 'abort' });
  };

  /**
   * Entering `cancelling` (§9.1): CANCEL copies the INVITE's Request-URI,
   * Call-ID, From, To (no tag added), CSeq number and top Via (same branch)
   * and its Route headers, and goes where the INVITE went.
   */
  private sendCancel(): void {
    const invite = this.invite!;
    this.facts.cancelledByUs = true;
    const cancel: SipRequest = {
      kind: 'request',
      method: 'CANCEL',
      uri: invite.uri,
      headers: [
        { name: 'Via', value: getHeaderList(invite, 'Via')[0] ?? '' },
        ...getHeaderLines(invite, 'Route').map((value) => ({ name: 'Route', value })),
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: getHeader(invite, 'From') ?? '' },
        { name: 'To', value: getHeader(invite, 'To') ?? '' },
        { name: 'Call-ID', value: this.callId },
        { name: 'CSeq', value: `${cseqOf(invite).seq} CANCEL` },
        { name: 'User-Agent', value: this.deps.stack.userAgent },
      ],
      body: '',
    };
    void sendNonInvite(this.deps.stack, cancel, this.targetHop);
    // §9.1: no final response 64*T1 after the CANCEL: consider the INVITE cancelled.
    this.cancelGuard = this.timers.setTimeout(() => this.dispatch({ type: 'cancelTimeout' }), 64 * this.deps.stack.timerValues.t1);
  }

  /** Entering `hangingUp` (§15.1.1): the media stops, BYE goes in the dialog, and its response (or none) ends the call. */
  private async sendBye(): Promise<void> {
    const dialog = this.dialog!;
    this.media?.stop();
    const outcome = await this.requestInDialog(dialog, 'BYE', [], '', (p) => this.errors.push(p));
    if (outcome.kind === 'timeout') {
      this.dispatch({ type: 'byeDone', problem: problem('sip.byeTimeout') });
    } else if (outcome.kind === 'transportError') {
      this.dispatch({ type: 'byeDone', problem: transportProblem(outcome.error, outcome.to, 'BYE') });
    } else {
      this.dispatch({ type: 'byeDone' });
    }
  }
  /**
   * A non-INVITE request in a dialog (BYE, PRACK, UPDATE; §12.2.1.1), sent
   * again with credentials when challenged (§22.2, at most twice);
   * `onAuthProblem` hears why credentials could not be given.
   */
  private async requestInDialog(
    dialog: Dialog,
    method: string,
    headers: SipHeader[],
    body = '',
    onAuthProblem?: (p: AppErrorShape) => void,
  ): Promise<NonInviteOutcome & { to: Destination }> {
    let session: DigestSession | null = null;
    let credentials: SipHeader[] = [];
    for (let attempt = 0; ; attempt++) {
      const request = dialog.createRequest(method, this.deps.stack.via(newBranch()), [...headers, { name: 'User-Agent', value: this.deps.stack.userAgent }, ...credentials], body);
      const to = (await this.destinationFor(dialog, request)) ?? this.deps.firstHop;
      const outcome = await sendNonInvite(this.deps.stack, request, to);
      if (attempt < 2 && outcome.kind === 'response' && (outcome.response.status === 401 || outcome.response.status === 407)) {
        const status = outcome.response.status;
        session ??= this.digestSession();
        const answer = session.answer(status, getHeaderLines(outcome.response, status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate'), method, request.uri);
        if (answer.ok) {
          credentials = [...credentials.filter((h) => h.name !== answer.header.name), answer.header];
          continue;
        }
        onAuthProblem?.(answer.problem);
      }
      return { ...outcome, to };
    }
  }

  /** Digest credentials (§22.2), made at the first challenge: most trunks never send one. */
  private digestSession(): DigestSession {
    const { config } = this.deps;
    return new DigestSession(config.authUsername || config.username || config.callerId.user, config.password, config.realm);
  }

  /** CallHandler: requests from the gateway with our Call-ID (§12.2.2). */
  onRequest(request: SipRequest, from: Destination): void {
    const stack = this.deps.stack;
    const dialog = this.dialog;
    if (request.method === 'ACK') {
      if (dialog && request.body && this.offerAnswer === 'answerInAck') {
        this.offerAnswer = 'idle';
        this.applyMedia(() => this.media?.applyAnswer(request.body));
      }
      return;
    }
    if (!dialog || !dialog.matchesRequest(request)) {
      if (request.method === 'OPTIONS') stack.respond(request, from, 200, 'OK', [{ name: 'Allow', value: ALLOW }]);
      else if (request.method === 'CANCEL') stack.respond(request, from, 481, 'Call/Transaction Does Not Exist');
      else stack.respond(request, from, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    if (!dialog.acceptRemoteSeq(request)) {
      stack.respond(request, from, 500, 'Server Internal Error', [{ name: 'Retry-After', value: '1' }]);
      return;
    }
    switch (request.method) {
      case 'BYE':
        // §15.1.2: the callee hung up.
        stack.respond(request, from, 200, 'OK');
        // RFC 3326 §2: a BYE may say why the far end cleared the call (Q.850 cause 16 normal clearing, 31, 41...).
        this.dispatch({ type: 'byeReceived', q850Cause: q850CauseOf(getHeaderLines(request, 'Reason')) });
        return;
      case 'INVITE':
        this.onReInvite(dialog, request, from);
        return;
      case 'UPDATE':
        this.onUpdate(request, from);
        return;
      case 'OPTIONS':
        stack.respond(request, from, 200, 'OK', [{ name: 'Allow', value: ALLOW }]);
        return;
      case 'CANCEL':
        // Our answers to re-INVITEs are immediate, so nothing is pending to cancel (§9.2).
        stack.respond(request, from, 200, 'OK');
        return;
      default:
        // INFO, REFER, NOTIFY, MESSAGE...: not supported in our dialogs.
        stack.respond(request, from, 501, 'Not Implemented', [{ name: 'Allow', value: ALLOW }]);
    }
  }

  /** A re-INVITE (§14.2): answer the new offer through media (codec/address/port may move). */
  private onReInvite(dialog: Dialog, request: SipRequest, from: Destination): void {
    const stack = this.deps.stack;
    if (!this.accepts('reoffer') || !this.media) {
      stack.respond(request, from, 491, 'Request Pending'); // §14.2: we are tearing down
      return;
    }
    if (this.offerAnswer === 'ourReInvite') {
      stack.respond(request, from, 491, 'Request Pending'); // §14.2: our own re-INVITE is in progress
      return;
    }
    const timer = this.session.answer(request);
    if (!timer.ok) {
      stack.respond(request, from, timer.status, 'Session Interval Too Small', timer.headers);
      return;
    }
    dialog.refreshTarget(request);
    const contact = [{ name: 'Contact', value: `<${stack.contactUri(this.deps.config.callerId.user)}>` }, { name: 'Allow', value: ALLOW }, ...timer.headers];
    const media = this.media;
    this.answerCallee(request, from, contact, timer, () => {
      if (!request.body.trim()) {
        // An offerless re-INVITE: our offer goes in the 200, the answer comes in the ACK (RFC 3264 §8).
        this.offerAnswer = 'answerInAck';
        return media.offer();
      }
      const { answer, media: negotiated } = media.answerReoffer(request.body);
      this.noteMediaWarnings(negotiated);
      return answer;
    });
  }

  /**
   * An UPDATE in the confirmed dialog (RFC 3311 §5.2): without a body it only
   * refreshes the session (RFC 4028 §9); with an SDP offer (a hold, the same
   * media, a new address) it is answered through media as a re-INVITE's is.
   * An offer while one of ours awaits its answer gets 491 (RFC 3311 §5.2).
   */
  private onUpdate(request: SipRequest, from: Destination): void {
    const stack = this.deps.stack;
    if (!this.accepts('reoffer') || !this.media) {
      stack.respond(request, from, 491, 'Request Pending');
      return;
    }
    const offer = request.body.trim() !== '';
    if (offer && this.offerAnswer !== 'idle') {
      stack.respond(request, from, 491, 'Request Pending');
      return;
    }
    const timer = this.session.answer(request);
    if (!timer.ok) {
      stack.respond(request, from, timer.status, 'Session Interval Too Small', timer.headers);
      return;
    }
    this.dialog?.refreshTarget(request);
    const headers = [{ name: 'Contact', value: `<${stack.contactUri(this.deps.config.callerId.user)}>` }, { name: 'Allow', value: ALLOW }, ...timer.headers];
    const media = this.media;
    this.answerCallee(request, from, headers, timer, () => (offer ? media.answerReoffer(request.body).answer : null));
  }

  /**
   * The 200 to the callee's re-INVITE or UPDATE in the confirmed call, with
   * the SDP `body` gives (none for a plain refresh), then the session timer
   * it asked for; an offer the media layer cannot take gets 488 (§14.2).
   */
  private answerCallee(request: SipRequest, from: Destination, headers: SipHeader[], timer: { apply: () => void }, body: () => string | null): void {
    const stack = this.deps.stack;
    try {
      const sdp = body();
      if (sdp === null) stack.respond(request, from, 200, 'OK', headers);
      else stack.respond(request, from, 200, 'OK', [...headers, { name: 'Content-Type', value: 'application/sdp' }], sdp);
      timer.apply();
      this.dispatch({ type: 'reoffer' });
    } catch (err) {
      this.errors.push(problemOf(err, (detail) => problem('sip.badReoffer', { detail })));
      stack.respond(request, from, 488, 'Not Acceptable Here');
    }
  }

  /** What the media layer did not follow in an answer (an unusable a=ptime...): once per code, for the call's problems. */
  private noteMediaWarnings(media: NegotiatedMedia): void {
    for (const w of media.warnings ?? []) if (!this.errors.some((e) => e.code === w.code)) this.errors.push(w);
  }

  private applyMedia(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.errors.push(badAnswer(err));
    }
  }

  /** CallHandler: a 2xx after the INVITE transaction ended (§13.2.2.4). */
  onStrayResponse(response: SipResponse): void {
    // Routed by Call-ID alone: a 2xx that is not from our From tag is not ours (§8.1.3.3).
    if (!this.invite || tagOf(getHeader(response, 'From')) !== this.fromTag) return;
    this.on2xx(this.invite, response);
  }

  /**
   * Entering `ended`: the facts the last event brings, the problems that
   * only the whole path shows, then the result. The call stays registered
   * 64*T1 to answer retransmissions (§17.1.1.2, §17.2.2).
   */
  private finish(from: CallState, event: CallEvent): void {
    this.timers.clearTimeout(this.cancelGuard);
    this.request.signal?.removeEventListener('abort', this.onAbort);
    if (event.type === 'final') this.recordFinal(event.response);
    // The 3xx being followed is the final response of a call that ends while redirecting.
    else if (from === 'redirecting' && this.redirect) this.recordFinal(this.redirect.response);
    else if (event.type === 'byeReceived') this.facts.q850Cause = event.q850Cause ?? this.facts.q850Cause;
    // A stop with nothing to CANCEL yet, or an earlier CANCEL timer, leaves the INVITE transaction nothing to wait for.
    if (event.type === 'stop' || event.type === 'cancelTimeout') this.inviteTx?.terminate();
    const stopped = event.type === 'abort' || event.type === 'stop';
    if (from === 'setup' && stopped) this.errors.push(NOT_PLACED);
    else if ((stopped || from === 'abortWaiting') && this.facts.finalStatus === null && !this.facts.cancelledByUs) {
      this.errors.push(problem('call.aborted'));
    }
    const endedAt = this.timers.now();
    const media = this.media;
    media?.stop(); // before its figures: what was played is counted up to here
    const stats = media?.stats();
    this.errors.push(...(stats?.problems ?? []));
    if (media) this.closeMedia(media);
    // A dropped final response may be why the call went unanswered: say so (issue 10).
    if (!this.facts.answered) this.errors.push(...this.droppedFinals.values());
    // The result is complete: what comes while the call lingers is answered but not traced.
    this.deps.stack.traceCallId(this.callId, null);
    const linger = 64 * this.deps.stack.timerValues.t1;
    this.timers.setTimeout(() => this.deps.stack.unregisterCall(this.callId), linger);
    const ringFrom = this.firstRingAt ?? this.inviteSentAt;
    const result: CallResult = {
      outcome: classifyOutcome(this.facts),
      // Only the callee's BYE in the confirmed call ends it on their side; every other end of an answered call is ours.
      hungUpBy: this.facts.answered ? (event.type === 'byeReceived' ? 'callee' : 'system') : null,
      ringMs: ringFrom === null ? null : Math.max(0, (this.finalAt ?? endedAt) - ringFrom),
      answeredMs: this.answeredAt === null ? null : endedAt - this.answeredAt,
      playedMs: stats?.playedMs ?? 0,
      playedToEnd: stats?.playedToEnd ?? false,
      finalStatus: this.facts.finalStatus,
      q850Cause: this.facts.q850Cause,
      dtmf: stats?.dtmf ?? '',
      startedAt: this.startedAt,
      answeredAt: this.answeredAt,
      endedAt,
      errors: this.errors,
      redirects: this.redirects,
      trace: this.trace.take(),
    };
    const resolve = this.resolveDone;
    this.resolveDone = null;
    resolve?.(result);
  }

  private closeMedia(media: MediaSession): void {
    try {
      media.stop();
      media.close();
    } catch (err) {
      this.deps.log(`call ${this.callId}: media close failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
