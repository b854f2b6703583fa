import type { AppErrorShape } from '../../../shared/result.js';
import type { CallResult } from '../../../shared/telephony/callResult.js';
import { classifyOutcome } from '../../../shared/telephony/outcome.js';
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

type Phase = 'setup' | 'inviting' | 'answered' | 'ending' | 'done';

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

/**
 * One outbound call (issue 3): INVITE with an SDP offer, provisional
 * responses, CANCEL on ring timeout or abort (RFC 3261 §9.1), ACK for the 2xx
 * (§13.2.2.4), the recording played, BYE from whichever side ends first
 * (§15), and the classification of docs/DOMAIN.md's outcome table.
 */
export class OutboundCall implements CallHandler {
  private phase: Phase = 'setup';
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
  private provisional = false;
  private cancelWanted = false;
  private cancelSent = false;
  private aborted = false;
  private ringTimer: TimerHandle | null = null;
  private cancelGuard: TimerHandle | null = null;
  private maxCallTimer: TimerHandle | null = null;
  private readonly startedAt: number;
  private inviteSentAt: number | null = null;
  private firstRingAt: number | null = null;
  private finalAt: number | null = null;
  private answeredAt: number | null = null;
  private finalStatus: number | null = null;
  private q850Cause: number | null = null;
  private answered = false;
  private hungUpBy: 'callee' | 'system' | null = null;
  private readonly errors: AppErrorShape[] = [];
  /** The Request-URI and first hop of the current INVITE: the gateway's, then each 3xx target's (§8.1.3.4). */
  private target = '';
  private targetHop: Destination;
  private readonly tried: string[] = [];
  private readonly redirects: { status: number; target: string }[] = [];
  private readonly earlyDialogs = new Map<string, EarlyDialog>();
  /** Final responses to the INVITE that were dropped, reported when the call ends unanswered (issue 10). */
  private readonly droppedFinals = new Map<string, AppErrorShape>();
  /** A response to our INVITE came, even if dropped: the gateway is not silent (sipPlacer's GATEWAY_SILENT). */
  private droppedAny = false;
  /** Session-Expires our INVITE asks for after a 422 (RFC 4028 §7.4), else none. */
  private sessionExpiresAsked: number | null = null;
  private readonly session: SessionTimer;
  private peerAllowsUpdate = false;
  /** Our re-INVITE's offer awaits its answer: an UPDATE offer now gets 491 (RFC 3311 §5.2). */
  private offerPending = false;
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
      expired: (seconds) => {
        this.errors.push(problem('sip.sessionExpired', { seconds }));
        void this.hangUp();
      },
    });
  }

  /** Places the call and resolves with its result (call failures are outcomes, not rejections). */
  async start(): Promise<CallResult> {
    const done = new Promise<CallResult>((resolve) => (this.resolveDone = resolve));
    await this.place();
    return done;
  }

  private async place(): Promise<void> {
    const { signal } = this.request;
    if (signal?.aborted) {
      this.errors.push(NOT_PLACED);
      this.finish();
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    try {
      this.media = await this.deps.media.open({
        localAddress: this.deps.mediaAddress,
        portRange: this.deps.config.rtpPortRange,
        codecs: this.deps.config.codecs,
      });
    } catch (err) {
      this.errors.push(problemOf(err, (detail) => problem('media.openFailed', { detail })));
      this.finish();
      return;
    }
    if (this.aborted) {
      this.errors.push(NOT_PLACED);
      this.finish();
      return;
    }
    this.deps.stack.registerCall(this.callId, this, this.trace.record);
    this.phase = 'inviting';
    this.inviteSentAt = this.timers.now();
    this.ringTimer = this.timers.setTimeout(() => this.wantCancel(), this.request.ringTimeoutMs);
    this.target = this.gatewayUri;
    this.tried.push(this.target);
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
        if (this.invite !== invite || this.phase !== 'inviting') return;
        // Timer B (§17.1.1.2): no response at all to the INVITE.
        if (!this.provisional && !this.droppedAny) this.errors.push(problem('sip.noResponse', { request: 'INVITE' }));
        this.finish();
      },
      onTransportError: (error) => {
        if (this.invite !== invite || this.phase !== 'inviting') return;
        this.errors.push(transportProblem(error, hop, 'INVITE'));
        this.finish();
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
    if (invite !== this.invite || this.phase !== 'inviting') return;
    if (status < 200) {
      if (status > 100 && optionTags(response, 'Require').has('100rel') && !this.acknowledgeReliable(invite, response)) return;
      this.provisional = true;
      if ((status === 180 || status === 183) && this.firstRingAt === null) this.firstRingAt = this.timers.now();
      if (this.cancelWanted) this.sendCancel();
      return;
    }
    // The INVITE transaction has sent the ACK for this non-2xx itself (§17.1.1.3).
    if (status >= 300 && status < 400 && !this.cancelWanted && this.followRedirect(response)) return;
    if (status === 422 && !this.cancelWanted && this.retryWithMinSe(response)) return;
    if ((status === 401 || status === 407) && !this.cancelWanted) {
      const challenges = getHeaderLines(response, status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
      this.digest ??= this.digestSession();
      const answer = this.digest.answer(status, challenges, 'INVITE', invite.uri);
      if (answer.ok) {
        // §22.2: the retry has CSeq+1 and the same Call-ID and From tag; To without tag.
        this.authHeaders = [...this.authHeaders.filter((h) => h.name !== answer.header.name), answer.header];
        this.cseq++;
        this.sendInvite();
        return;
      }
      this.errors.push(answer.problem);
    }
    this.finalAt = this.timers.now();
    this.finalStatus = status;
    this.q850Cause = q850CauseOf(getHeaderLines(response, 'Reason'));
    this.finish();
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
   * A 3xx (§8.1.3.4): INVITE the best Contact not tried yet, at most
   * MAX_REDIRECTS times, through the outbound proxy when one is set, else
   * to the Contact's host. The new INVITE keeps the Call-ID, From and To
   * and takes the next CSeq, as a retry does (§8.1.3.5). Returns false, with
   * a `sip.redirected` problem, when the redirect cannot be followed.
   */
  private followRedirect(response: SipResponse): boolean {
    const choice = chooseRedirectTarget(response, this.tried, this.redirects.length, this.deps.config.transport);
    if (!choice.ok) {
      this.errors.push(redirectProblem(response, choice.contact, choice.why));
      return false;
    }
    this.redirects.push({ status: response.status, target: choice.target });
    this.tried.push(choice.target);
    this.provisional = false; // §9.1: CANCEL waits for a provisional of the new INVITE
    this.earlyDialogs.clear();
    void this.inviteRedirected(response, choice.target, choice.contact);
    return true;
  }

  private async inviteRedirected(response: SipResponse, target: string, contact: string): Promise<void> {
    const hop = this.deps.config.outboundProxy ? this.deps.firstHop : await destinationOfUri(target);
    if (this.phase !== 'inviting') return;
    if (!hop || this.cancelWanted) {
      if (!hop) this.errors.push(redirectProblem(response, contact, 'unresolvable'));
      this.finalAt = this.timers.now();
      this.finalStatus = response.status;
      this.finish();
      return;
    }
    this.target = target;
    this.targetHop = hop;
    // Credentials belong to the server that asked for them (§22.2); a new target challenges anew.
    this.authHeaders = [];
    this.digest = null;
    this.cseq++;
    this.sendInvite();
  }

  /** RFC 4028 §7.4: a 422 names the smallest interval the peer takes (Min-SE); INVITE again asking for it, once. */
  private retryWithMinSe(response: SipResponse): boolean {
    const minSe = minSeOf(response);
    if (minSe === null || (this.sessionExpiresAsked !== null && this.sessionExpiresAsked >= minSe)) return false;
    this.sessionExpiresAsked = Math.max(minSe, MIN_SE_FLOOR);
    this.cseq++;
    this.sendInvite();
    return true;
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
    if (this.phase !== 'inviting' || invite !== this.invite) {
      this.hangUpFork(invite, response);
      return;
    }
    this.clearRingTimers();
    this.finalAt = this.timers.now();
    this.finalStatus = response.status;
    this.q850Cause = null;
    const dialog = new Dialog(invite, response);
    const early = toTag ? this.earlyDialogs.get(toTag) : undefined;
    if (early) dialog.continueLocalSeq(early.dialog);
    this.dialog = dialog;
    dialog.ack = dialog.buildAck(invite, this.deps.stack.via(newBranch()));
    this.sendInDialog(dialog, dialog.ack);
    if (this.cancelSent || this.aborted) {
      // The 200 crossed our CANCEL (§9.1): take the call down at once.
      this.errors.push(problem('sip.answeredAfterCancel'));
      this.hungUpBy = 'system';
      this.phase = 'answered';
      void this.sendBye();
      return;
    }
    try {
      // RFC 3262 §5: the answer may have come in a reliable provisional; a 2xx then repeats it or has none.
      this.noteMediaWarnings(this.media!.applyAnswer(early?.answer ?? response.body));
    } catch (err) {
      this.errors.push(badAnswer(err));
      this.phase = 'answered';
      this.hungUpBy = 'system';
      void this.sendBye();
      return;
    }
    this.phase = 'answered';
    this.answered = true;
    this.answeredAt = this.finalAt;
    this.maxCallTimer = this.timers.setTimeout(() => {
      this.errors.push(problem('call.maxDuration'));
      void this.hangUp();
    }, this.deps.config.maxCallMs ?? DEFAULT_MAX_CALL_MS);
    this.peerAllowsUpdate = allows(response, 'UPDATE');
    this.session.fromResponse(response); // RFC 4028 §7.2
    const tailMs = this.deps.config.playoutTailMs ?? DEFAULT_PLAYOUT_TAIL_MS;
    this.media!.play(this.request.payloads, { times: this.request.playTimes, tailMs, onEnd: () => void this.hangUp() });
  }

  /**
   * RFC 4028 §7.4/§9: refresh as the refresher: UPDATE without a body when
   * the peer allows UPDATE (RFC 3311), else a re-INVITE with our offer
   * again. A 422 raises the interval to its Min-SE and tries again; any other
   * failure ends the call (§10: a session that cannot be refreshed is over).
   */
  private async refreshSession(seconds: number): Promise<void> {
    const dialog = this.dialog;
    if (!dialog || this.phase !== 'answered') return;
    let method = 'UPDATE';
    let why = 'refused three times';
    for (let attempt = 0; attempt < 3 && this.phase === 'answered'; attempt++) {
      const headers: SipHeader[] = [
        ...refreshHeaders(seconds),
        { name: 'Supported', value: SUPPORTED },
        { name: 'Contact', value: `<${this.deps.stack.contactUri(this.deps.config.callerId.user)}>` },
      ];
      method = this.peerAllowsUpdate ? 'UPDATE' : 'INVITE';
      const outcome = method === 'UPDATE' ? await this.requestInDialog(dialog, 'UPDATE', headers) : await this.reInvite(dialog, headers);
      if (this.phase !== 'answered') return;
      if (outcome.kind !== 'response') {
        why = outcome.kind === 'timeout' ? 'no response' : outcome.error.message;
        break;
      }
      const { response } = outcome;
      if (response.status < 300) {
        // §7.2: the answer may change the interval or hand refreshing to the peer; without Session-Expires, timers stop.
        this.session.fromResponse(response);
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
    if (this.phase !== 'answered') return;
    this.errors.push(problem('sip.sessionRefreshFailed', { method, detail: why }));
    void this.hangUp();
  }

  /** A re-INVITE of ours (§14.1) with the current offer; its 2xx is ACKed (§13.2.2.4) and its answer applied. */
  private reInvite(dialog: Dialog, extra: SipHeader[]): Promise<NonInviteOutcome> {
    const stack = this.deps.stack;
    const headers: SipHeader[] = [...extra, { name: 'Allow', value: ALLOW }, { name: 'User-Agent', value: stack.userAgent }, { name: 'Content-Type', value: 'application/sdp' }];
    const request = dialog.createRequest('INVITE', stack.via(newBranch()), headers, this.media!.offer());
    this.offerPending = true;
    return new Promise((resolve) => {
      let ack: SipRequest | null = null;
      const settle = (outcome: NonInviteOutcome) => {
        this.offerPending = false;
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

  /** Gateway stop: CANCEL or BYE as for an abort; without a provisional yet, give up at once. */
  abortNow(): void {
    this.onAbort();
    if (this.phase === 'inviting' && !this.provisional) {
      this.inviteTx?.terminate();
      this.finish();
    }
  }

  private readonly onAbort = (): void => {
    this.aborted = true;
    if (this.phase === 'inviting') this.wantCancel();
    else if (this.phase === 'answered') void this.hangUp();
  };

  /** Ring timeout or abort before the answer: CANCEL, but only once a provisional came (§9.1). */
  private wantCancel(): void {
    if (this.phase !== 'inviting' || this.cancelWanted) return;
    this.cancelWanted = true;
    if (this.provisional) this.sendCancel();
  }

  /**
   * §9.1: CANCEL copies the INVITE's Request-URI, Call-ID, From, To (no tag
   * added), CSeq number and top Via (same branch) and its Route headers.
   */
  private sendCancel(): void {
    if (this.cancelSent || !this.invite) return;
    this.cancelSent = true;
    const invite = this.invite;
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
    void sendNonInvite(this.deps.stack, cancel, this.targetHop); // §9.1: where the INVITE went
    // §9.1: no final response 64*T1 after the CANCEL: consider the INVITE cancelled.
    this.cancelGuard = this.timers.setTimeout(() => {
      if (this.phase !== 'inviting') return;
      this.inviteTx?.terminate();
      this.finish();
    }, 64 * this.deps.stack.timerValues.t1);
  }

  /** The system ends an answered call: media ended, abort, or the length limit. */
  private async hangUp(): Promise<void> {
    if (this.phase !== 'answered') return;
    this.hungUpBy = 'system';
    await this.sendBye();
  }

  private async sendBye(): Promise<void> {
    const dialog = this.dialog;
    if (!dialog || this.phase === 'ending' || this.phase === 'done') return;
    this.phase = 'ending';
    this.session.stop();
    this.media?.stop();
    const outcome = await this.requestInDialog(dialog, 'BYE', [], '', (p) => this.errors.push(p));
    if (outcome.kind === 'timeout') {
      this.errors.push(problem('sip.byeTimeout'));
    } else if (outcome.kind === 'transportError') {
      this.errors.push(transportProblem(outcome.error, outcome.to, 'BYE'));
    }
    this.finish();
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
      if (dialog && request.body && this.pendingReofferAnswer) {
        this.pendingReofferAnswer = false;
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
        if (this.phase === 'answered') {
          this.hungUpBy = this.answered ? 'callee' : this.hungUpBy;
          // RFC 3326 §2: a BYE may say why the far end cleared the call (Q.850 cause 16 normal clearing, 31, 41...).
          this.q850Cause = q850CauseOf(getHeaderLines(request, 'Reason')) ?? this.q850Cause;
          this.media?.stop();
          this.finish();
        }
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

  private pendingReofferAnswer = false;

  /** A re-INVITE (§14.2): answer the new offer through media (codec/address/port may move). */
  private onReInvite(dialog: Dialog, request: SipRequest, from: Destination): void {
    const stack = this.deps.stack;
    if (this.phase !== 'answered' || !this.media) {
      stack.respond(request, from, 491, 'Request Pending'); // §14.2: we are tearing down
      return;
    }
    if (this.offerPending) {
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
    try {
      if (request.body.trim()) {
        const { answer, media } = this.media.answerReoffer(request.body);
        this.noteMediaWarnings(media);
        stack.respond(request, from, 200, 'OK', [...contact, { name: 'Content-Type', value: 'application/sdp' }], answer);
      } else {
        // An offerless re-INVITE: our offer goes in the 200, the answer comes in the ACK (RFC 3264 §8).
        this.pendingReofferAnswer = true;
        stack.respond(request, from, 200, 'OK', [...contact, { name: 'Content-Type', value: 'application/sdp' }], this.media.offer());
      }
      timer.apply();
    } catch (err) {
      this.errors.push(problemOf(err, (detail) => problem('sip.badReoffer', { detail })));
      stack.respond(request, from, 488, 'Not Acceptable Here');
    }
  }

  /**
   * An UPDATE in the confirmed dialog (RFC 3311 §5.2): without a body it only
   * refreshes the session (RFC 4028 §9); with an SDP offer (a hold, the same
   * media, a new address) it is answered through media as a re-INVITE's is.
   * An offer while one of ours awaits its answer gets 491 (RFC 3311 §5.2).
   */
  private onUpdate(request: SipRequest, from: Destination): void {
    const stack = this.deps.stack;
    if (this.phase !== 'answered' || !this.media) {
      stack.respond(request, from, 491, 'Request Pending');
      return;
    }
    const offer = request.body.trim() !== '';
    if (offer && (this.offerPending || this.pendingReofferAnswer)) {
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
    if (!offer) {
      stack.respond(request, from, 200, 'OK', headers);
      timer.apply();
      return;
    }
    try {
      const { answer } = this.media.answerReoffer(request.body);
      stack.respond(request, from, 200, 'OK', [...headers, { name: 'Content-Type', value: 'application/sdp' }], answer);
      timer.apply();
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

  private clearRingTimers(): void {
    this.timers.clearTimeout(this.ringTimer);
    this.timers.clearTimeout(this.cancelGuard);
  }

  private finish(): void {
    if (this.phase === 'done') return;
    const wasInviting = this.phase === 'inviting' || this.phase === 'setup';
    this.phase = 'done';
    this.clearRingTimers();
    this.session.stop();
    this.timers.clearTimeout(this.maxCallTimer);
    this.request.signal?.removeEventListener('abort', this.onAbort);
    const endedAt = this.timers.now();
    const stats = this.media?.stats();
    this.errors.push(...(stats?.problems ?? []));
    try {
      this.media?.stop();
      this.media?.close();
    } catch (err) {
      this.deps.log(`call ${this.callId}: media close failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (wasInviting && this.aborted && this.finalStatus === null && !this.cancelSent) {
      this.errors.push(problem('call.aborted'));
    }
    // A dropped final response may be why the call went unanswered: say so (issue 10).
    if (!this.answered) this.errors.push(...this.droppedFinals.values());
    // The result is complete: what comes while the call lingers is answered but not traced.
    this.deps.stack.traceCallId(this.callId, null);
    // Keep answering retransmissions (2xx, BYE) for 64*T1 before forgetting the call (§17.1.1.2, §17.2.2).
    const linger = 64 * this.deps.stack.timerValues.t1;
    this.timers.setTimeout(() => this.deps.stack.unregisterCall(this.callId), linger);
    const ringFrom = this.firstRingAt ?? this.inviteSentAt;
    const result: CallResult = {
      outcome: classifyOutcome({
        finalStatus: this.finalStatus,
        q850Cause: this.q850Cause,
        cancelledByUs: this.cancelSent,
        answered: this.answered,
      }),
      hungUpBy: this.answered ? this.hungUpBy : null,
      ringMs: ringFrom === null ? null : Math.max(0, (this.finalAt ?? endedAt) - ringFrom),
      answeredMs: this.answeredAt === null ? null : endedAt - this.answeredAt,
      playedMs: stats?.playedMs ?? 0,
      playedToEnd: stats?.playedToEnd ?? false,
      finalStatus: this.finalStatus,
      q850Cause: this.q850Cause,
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
}
