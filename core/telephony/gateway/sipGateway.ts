import type { AppErrorShape } from '../../../shared/result.js';
import type { CallResult, SipTraceEntry } from '../../../shared/telephony/callResult.js';
import { AppError, problem } from '../../errors.js';
import type { MediaFactory, PreparedPayloads } from '../media/types.js';
import { newBranch, newCallId, newTag } from '../sip/ids.js';
import { sendNonInvite } from '../sip/nonInvite.js';
import { SipStack } from '../sip/stack.js';
import type { SipTimerValues, Timers } from '../sip/timers.js';
import type { Destination } from '../sip/transport.js';
import type { GatewayConfig } from './config.js';
import { dialledNumber } from './numberFormat.js';
import { OutboundCall } from './outboundCall.js';
import { transportProblem } from './problems.js';
import { Registration } from './registration.js';
import { localAddressFor, resolveHost } from './resolve.js';
import { TraceRecorder } from './trace.js';

export interface SipGatewayDeps {
  media: MediaFactory;
  log?: (line: string) => void;
  /** Virtual time for tests; real timers otherwise. */
  timers?: Timers;
  /** RFC 3261 T1/T2/T4 (tests shorten them). */
  timerValues?: SipTimerValues;
}

export interface GatewayTestResult {
  reachable: boolean;
  status: number | null;
  registered?: boolean;
  trace: SipTraceEntry[];
  /** Why OPTIONS or REGISTER failed, coded as a call's problems are (the REGISTER's when both failed). */
  error?: AppErrorShape;
}

export interface CallRequest {
  /** E.164, e.g. +6281234567890. */
  to: string;
  payloads: PreparedPayloads;
  ringTimeoutMs?: number;
  playTimes?: number;
  signal?: AbortSignal;
}

/**
 * The telephony gateway as a SIP user agent client (issue 3): places calls
 * through the office's SIP trunk / PBX / GSM gateway and returns one
 * CallResult per call. Limits (channels, calls per second, pause) are the
 * task engine's job.
 */
export class SipGateway {
  private stack: SipStack | null = null;
  private registration: Registration | null = null;
  private firstHop: Destination | null = null;
  private advertised = '';
  /** Calls in progress and the promise of their result. */
  private readonly calls = new Map<OutboundCall, Promise<CallResult>>();
  private readonly log: (line: string) => void;

  constructor(
    private readonly config: GatewayConfig,
    private readonly deps: SipGatewayDeps,
  ) {
    this.log = deps.log ?? (() => undefined);
  }

  get running(): boolean {
    return this.stack !== null;
  }

  /** The SIP port we listen on (after start). */
  get localPort(): number | null {
    return this.stack?.localPort ?? null;
  }

  /**
   * Opens the SIP socket and, where configured, registers. Throws an
   * AppError with the registration's own problem (sip.authFailed,
   * sip.connectionRefused, sip.registerRejected...), so whoever shows it
   * says what the gateway did, as a call's problems do.
   */
  async start(): Promise<void> {
    if (this.stack) return;
    await this.openStack();
    if (this.config.register) {
      this.registration = new Registration(this.stack!, this.config, this.firstHop!, this.config.host, this.log);
      const result = await this.registration.start();
      if (!result.ok) {
        await this.stop();
        throw AppError.of(result.error);
      }
    }
  }

  private async openStack(): Promise<void> {
    const hop = this.config.outboundProxy ?? { host: this.config.host, port: this.config.port };
    const hopAddress = await resolveHost(hop.host);
    this.firstHop = { host: hopAddress, port: hop.port };
    this.advertised = this.config.localAddress || (await localAddressFor(hopAddress));
    try {
      this.stack = await SipStack.open({
        transport: this.config.transport,
        bindAddress: this.config.localAddress || (hopAddress.includes(':') ? '::' : '0.0.0.0'),
        localPort: this.config.localPort ?? 0,
        advertisedAddress: this.advertised,
        timers: this.deps.timers,
        timerValues: this.deps.timerValues,
        log: this.log,
        userAgent: this.config.userAgent,
      });
    } catch (err) {
      throw new AppError('sip.bindFailed', {
        port: this.config.localPort ?? 0,
      });
    }
  }

  /** Ends calls in progress (CANCEL/BYE), removes the registration and closes the socket. */
  async stop(): Promise<void> {
    const stack = this.stack;
    if (!stack) return;
    const running = [...this.calls];
    for (const [call] of running) call.abortNow();
    await Promise.allSettled(running.map(([, done]) => done));
    await this.registration?.stop().catch(() => undefined);
    this.registration = null;
    this.stack = null;
    await stack.close();
  }

  /** "Test gateway": OPTIONS (any response means reachable), and REGISTER where configured. */
  async test(): Promise<GatewayTestResult> {
    const temporary = !this.stack;
    try {
      if (temporary) await this.openStack();
    } catch (err) {
      // openStack throws only AppErrors (unknown host, port in use); anything else is a bug for the caller to report.
      if (!(err instanceof AppError)) throw err;
      return { reachable: false, status: null, trace: [], error: err.toJSON() };
    }
    const stack = this.stack!;
    const trace = new TraceRecorder(() => stack.timers.now());
    try {
      const callId = newCallId(this.advertised);
      const uri = `sip:${this.config.host}${this.config.port !== 5060 ? `:${this.config.port}` : ''}`;
      const from = `sip:${this.config.callerId.user}@${this.config.host}`;
      stack.traceCallId(callId, trace.record);
      const outcome = await sendNonInvite(
        stack,
        {
          kind: 'request',
          method: 'OPTIONS',
          uri,
          headers: [
            { name: 'Via', value: stack.via(newBranch()) },
            ...(this.config.outboundProxy ? [{ name: 'Route', value: `<sip:${this.config.outboundProxy.host}:${this.config.outboundProxy.port};lr>` }] : []),
            { name: 'Max-Forwards', value: '70' },
            { name: 'From', value: `<${from}>;tag=${newTag()}` },
            { name: 'To', value: `<${uri}>` },
            { name: 'Call-ID', value: callId },
            { name: 'CSeq', value: '1 OPTIONS' },
            { name: 'Contact', value: `<${stack.contactUri(this.config.callerId.user)}>` },
            { name: 'Accept', value: 'application/sdp' },
            { name: 'User-Agent', value: stack.userAgent },
          ],
          body: '',
        },
        this.firstHop!,
      );
      stack.traceCallId(callId, null);
      const result: GatewayTestResult = { reachable: outcome.kind === 'response', status: outcome.kind === 'response' ? outcome.response.status : null, trace: [] };
      if (outcome.kind === 'timeout') result.error = problem('sip.noResponse', { request: 'OPTIONS' });
      if (outcome.kind === 'transportError') result.error = transportProblem(outcome.error, this.firstHop!, 'OPTIONS');
      if (this.config.register) {
        const registration = this.registration ?? new Registration(stack, this.config, this.firstHop!, this.config.host, this.log);
        const registered = await registration.register(this.config.registerExpires, trace.record);
        result.registered = registered.registered;
        if (!registered.ok) result.error = registered.error;
        else if (!this.registration) await registration.register(0, trace.record); // a test leaves no binding behind
      }
      result.trace = trace.take();
      return result;
    } finally {
      if (temporary) {
        this.stack = null;
        await stack.close();
      }
    }
  }

  /** Places one call and resolves with its result; never rejects for call failures (they are outcomes). */
  async call(request: CallRequest): Promise<CallResult> {
    if (!this.stack || !this.firstHop) throw new AppError('gateway.notStarted');
    const number = dialledNumber(request.to, this.config.numberFormat);
    const call = new OutboundCall(
      {
        stack: this.stack,
        config: this.config,
        media: this.deps.media,
        mediaAddress: this.advertised,
        firstHop: this.firstHop,
        domain: this.config.host,
        log: this.log,
      },
      {
        number,
        payloads: request.payloads,
        ringTimeoutMs: request.ringTimeoutMs ?? this.config.ringTimeoutMs,
        playTimes: request.playTimes ?? this.config.playTimes ?? 1,
        signal: request.signal,
      },
    );
    const done = call.start();
    this.calls.set(call, done);
    try {
      return await done;
    } finally {
      this.calls.delete(call);
    }
  }
}
