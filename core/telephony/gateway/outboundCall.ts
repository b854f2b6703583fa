import type { AppErrorShape } from '../../../shared/result.js';
import type { CallResult } from '../../../shared/telephony/callResult.js';
import { classifyOutcome } from '../../../shared/telephony/outcome.js';
import { q850CauseOf } from '../../../shared/telephony/reason.js';
import { problem, problemOf } from '../../errors.js';
import type { MediaFactory, MediaSession, NegotiatedMedia, PreparedPayloads } from '../media/types.js';
import { DigestSession } from '../sip/digest.js';
import { Dialog } from '../sip/dialog.js';
import { newBranch, newCallId, newTag } from '../sip/ids.js';
import { cseqOf, getHeader, getHeaderLines, getHeaderList, type SipHeader, type SipRequest, type SipResponse } from '../sip/message.js';
import { sendNonInvite } from '../sip/nonInvite.js';
import type { CallHandler, SipStack } from '../sip/stack.js';
import type { TimerHandle } from '../sip/timers.js';
import type { ClientTransaction } from '../sip/transaction.js';
import type { Destination } from '../sip/transport.js';
import { formatNameAddr, tagOf } from '../sip/uri.js';
import { DEFAULT_MAX_CALL_MS, DEFAULT_PLAYOUT_TAIL_MS, type GatewayConfig } from './config.js';
import { transportProblem } from './problems.js';
import { destinationOfUri } from './resolve.js';
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

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS';

const NOT_PLACED = problem('call.aborted', 'The call was stopped before it was placed.');

/** An SDP answer that cannot be used: the media layer's own AppError (no common codec, ...) when it threw one. */
function badAnswer(err: unknown): AppErrorShape {
  return problemOf(err, (detail) => problem('sip.badAnswer', `The gateway's audio answer cannot be used (${detail}).`, { detail }));
}

/**
 * One outbound call (issue 3): INVITE with an SDP offer, provisional
 * responses, CANCEL on ring timeout or abort (RFC 3261 §9.1), ACK for the 2xx
 * (§13.2.2.4), the recording played, BYE from whichever side ends first
 * (§15), and the classification of DOMAIN.md's outcome table.
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
      this.errors.push(problemOf(err, (detail) => problem('media.openFailed', `The call audio could not be prepared (${detail}).`, { detail })));
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
    this.sendInvite();
  }

  private get requestUri(): string {
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
    const invite: SipRequest = {
      kind: 'request',
      method: 'INVITE',
      uri: this.requestUri,
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
        { name: 'User-Agent', value: stack.userAgent },
        { name: 'Content-Type', value: 'application/sdp' },
      ],
      body: this.media!.offer(),
    };
    this.invite = invite;
    this.inviteTx = stack.sendRequest(invite, this.deps.firstHop, {
      onResponse: (response) => this.onInviteResponse(invite, response),
      onTimeout: () => {
        if (this.invite !== invite || this.phase !== 'inviting') return;
        // Timer B (§17.1.1.2): no response at all to the INVITE.
        if (!this.provisional) this.errors.push(problem('sip.noResponse', 'The gateway did not answer the INVITE.'));
        this.finish();
      },
      onTransportError: (error) => {
        if (this.invite !== invite || this.phase !== 'inviting') return;
        this.errors.push(transportProblem(error, this.deps.firstHop, 'INVITE'));
        this.finish();
      },
    });
  }

  private onInviteResponse(invite: SipRequest, response: SipResponse): void {
    const status = response.status;
    if (status >= 200 && status < 300) {
      this.on2xx(invite, response);
      return;
    }
    if (invite !== this.invite || this.phase !== 'inviting') return;
    if (status < 200) {
      this.provisional = true;
      if ((status === 180 || status === 183) && this.firstRingAt === null) this.firstRingAt = this.timers.now();
      if (this.cancelWanted) this.sendCancel();
      return;
    }
    // The INVITE transaction has sent the ACK for this non-2xx itself (§17.1.1.3).
    if ((status === 401 || status === 407) && !this.cancelWanted) {
      const challenges = getHeaderLines(response, status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
      this.digest ??= this.digestSession();
      const answer = this.digest.answer(status, challenges, 'INVITE', this.requestUri);
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
    this.dialog = dialog;
    dialog.ack = dialog.buildAck(invite, this.deps.stack.via(newBranch()));
    this.sendInDialog(dialog, dialog.ack);
    if (this.cancelSent || this.aborted) {
      // The 200 crossed our CANCEL (§9.1): take the call down at once.
      this.errors.push(problem('sip.answeredAfterCancel', 'The callee answered as the call was being cancelled; hung up at once.'));
      this.hungUpBy = 'system';
      this.phase = 'answered';
      void this.sendBye();
      return;
    }
    try {
      this.noteMediaWarnings(this.media!.applyAnswer(response.body));
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
      this.errors.push(problem('call.maxDuration', 'The call reached the maximum call length and was ended.'));
      void this.hangUp();
    }, this.deps.config.maxCallMs ?? DEFAULT_MAX_CALL_MS);
    const tailMs = this.deps.config.playoutTailMs ?? DEFAULT_PLAYOUT_TAIL_MS;
    this.media!.play(this.request.payloads, { times: this.request.playTimes, tailMs, onEnd: () => void this.hangUp() });
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
    void sendNonInvite(this.deps.stack, cancel, this.deps.firstHop);
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
    this.media?.stop();
    let session: DigestSession | null = null;
    let extra: SipHeader[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const bye = dialog.createRequest('BYE', this.deps.stack.via(newBranch()), [{ name: 'User-Agent', value: this.deps.stack.userAgent }, ...extra]);
      const to = (await this.destinationFor(dialog, bye)) ?? this.deps.firstHop;
      const outcome = await sendNonInvite(this.deps.stack, bye, to);
      if (outcome.kind === 'response' && (outcome.response.status === 401 || outcome.response.status === 407)) {
        const status = outcome.response.status;
        session ??= this.digestSession();
        const answer = session.answer(status, getHeaderLines(outcome.response, status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate'), 'BYE', bye.uri);
        if (answer.ok) {
          extra = [...extra.filter((h) => h.name !== answer.header.name), answer.header];
          continue;
        }
        this.errors.push(answer.problem);
      } else if (outcome.kind === 'timeout') {
        this.errors.push(problem('sip.byeTimeout', 'The gateway did not confirm the hang-up (no answer to the BYE).'));
      } else if (outcome.kind === 'transportError') {
        this.errors.push(transportProblem(outcome.error, to, 'BYE'));
      }
      break;
    }
    this.finish();
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
          this.media?.stop();
          this.finish();
        }
        return;
      case 'INVITE':
        this.onReInvite(dialog, request, from);
        return;
      case 'OPTIONS':
        stack.respond(request, from, 200, 'OK', [{ name: 'Allow', value: ALLOW }]);
        return;
      case 'CANCEL':
        // Our answers to re-INVITEs are immediate, so nothing is pending to cancel (§9.2).
        stack.respond(request, from, 200, 'OK');
        return;
      default:
        // INFO, UPDATE, REFER, NOTIFY, MESSAGE...: not supported in our dialogs.
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
    dialog.refreshTarget(request);
    const contact = [{ name: 'Contact', value: `<${stack.contactUri(this.deps.config.callerId.user)}>` }, { name: 'Allow', value: ALLOW }];
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
    } catch (err) {
      this.errors.push(problemOf(err, (detail) => problem('sip.badReoffer', `The gateway's new audio offer cannot be used (${detail}).`, { detail })));
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
    if (!this.invite) return;
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
      this.errors.push(problem('call.aborted', 'The call was stopped before the gateway answered.'));
    }
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
      trace: this.trace.take(),
    };
    const resolve = this.resolveDone;
    this.resolveDone = null;
    resolve?.(result);
  }
}
