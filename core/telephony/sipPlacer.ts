import { readFile } from 'node:fs/promises';
import type { AppErrorShape } from '../../shared/result.js';
import type { CallResult } from '../../shared/telephony/callResult.js';
import type { GatewaySettings } from '../../shared/types.js';
import { AppError, problem, problemOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { CallPlacer, CallReport, PlaceCallRequest } from '../tasks/types.js';
import type { GatewayConfig } from './gateway/config.js';
import { GATEWAY_SILENT } from './gateway/problems.js';
import { SipGateway, type GatewayTestResult } from './gateway/sipGateway.js';
import type { MediaFactory, PreparedPayloads } from './media/types.js';

/** Where the prepared G.711 payloads of a recording are (RecordingService.payloadPath). */
export type PayloadLocator = (recordingId: number, codec: 'pcma' | 'pcmu') => string;

/** Payloads of this many recordings stay in memory (a 10-minute recording is 4.8 MB per codec). */
const PAYLOAD_CACHE_SIZE = 4;
/** After this many calls in a row the gateway never answered, dialing stops until it answers OPTIONS again. */
const UNREACHABLE_AFTER = 3;
/** How often a gateway that failed to start or stopped answering is tried again. */
const RETRY_MS = 15_000;

/** Settings > Gateway as the SIP user agent needs it. */
export function toGatewayConfig(settings: GatewaySettings, password: string | undefined): GatewayConfig {
  const proxy = parseHostPort(settings.outboundProxy);
  const config: GatewayConfig = {
    host: settings.host,
    port: settings.port,
    transport: settings.transport,
    rtpPortRange: [settings.rtpPortMin, settings.rtpPortMax],
    callerId: { user: settings.callerIdUser || settings.username || 'autocall', ...(settings.callerIdName ? { displayName: settings.callerIdName } : {}) },
    codecs: settings.codecs.map((c) => (c === 'PCMA' ? 'PCMA' : 'PCMU')),
    register: settings.register,
    registerExpires: 600,
    ringTimeoutMs: settings.ringTimeoutSeconds * 1000,
    numberFormat: settings.numberFormat,
    playTimes: settings.playTimes,
    playoutTailMs: settings.playoutTailMs,
  };
  if (settings.username) config.username = settings.username;
  if (settings.authUsername) config.authUsername = settings.authUsername;
  if (password) config.password = password;
  if (proxy) config.outboundProxy = proxy;
  if (settings.localAddress) config.localAddress = settings.localAddress;
  return config;
}

function parseHostPort(value: string): { host: string; port: number } | null {
  const trimmed = value.trim();
  if (!trimmed) return null;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(trimmed);
  if (!match) throw new AppError('gateway.badProxy', `The outbound proxy "${trimmed}" is not host or host:port.`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : 5060 };
}

/** The engine's view of a finished call: the telephony result as a CallReport (played to the end: only said of an answered call), with its trace. */
export function toCallReport(result: CallResult): CallReport & { trace: CallResult['trace'] } {
  return { ...result, playedToEnd: result.answeredAt !== null ? result.playedToEnd : null };
}

/** A failure to start or probe the gateway: an AppError keeps its code; anything else is a bug, shown as `internal` with its text for the log. */
function unexpected(err: unknown): AppErrorShape {
  return problemOf(err, (detail) => problem('internal', `Unexpected error: ${detail}`));
}

export type SipPlacerState = 'starting' | 'ready' | 'unreachable' | 'stopped';

/**
 * The SIP gateway as the task engine's CallPlacer. While the gateway is not
 * started, or stopped answering, it offers no channels: the engine then
 * places no calls, so numbers wait instead of being used up as "failed".
 * It retries in the background and offers the channels again once the
 * gateway answers.
 */
export class SipCallPlacer implements CallPlacer {
  readonly dryRun = false;
  private readonly gateway: SipGateway;
  private stateValue: SipPlacerState = 'starting';
  private lastError: AppErrorShape | null = null;
  private unansweredInARow = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private active = 0;
  private retired = false;
  private readonly payloads = new Map<string, Promise<Uint8Array>>();
  /** The first start; a test must not open its own socket while this one opens. */
  private readonly started: Promise<void>;

  constructor(
    readonly settings: GatewaySettings,
    config: GatewayConfig,
    private readonly deps: { media: MediaFactory; payloadPath: PayloadLocator; log: Logger; onStateChange?: () => void },
  ) {
    // Per-message SIP lines are not logged: each call's trace is stored with its attempt instead.
    this.gateway = new SipGateway(config, { media: deps.media });
    this.started = this.start();
  }

  get state(): SipPlacerState {
    return this.stateValue;
  }

  /** Why the gateway is not ready, coded as a call's problems are; null while it is. */
  get error(): AppErrorShape | null {
    return this.lastError;
  }

  get channels(): number {
    return this.stateValue === 'ready' ? this.settings.channels : 0;
  }

  get callsPerSecond(): number {
    return this.settings.callsPerSecond;
  }

  async call(request: PlaceCallRequest): ReturnType<CallPlacer['call']> {
    this.active += 1;
    try {
      const payloads = await this.loadPayloads(request.recordingId);
      const result = await this.gateway.call({ to: request.to, payloads, signal: request.signal });
      this.noteResult(result);
      return toCallReport(result);
    } finally {
      this.active -= 1;
      if (this.retired && this.active === 0) void this.shutdown();
    }
  }

  /** "Test call": one call outside any task, with the full result and trace. */
  async testCall(to: string, recordingId: number, signal?: AbortSignal): Promise<CallResult> {
    await this.started;
    if (this.stateValue !== 'ready' && !this.retired) await this.start();
    if (this.stateValue !== 'ready') throw new AppError('gateway.unreachable', this.lastError?.message ?? 'The SIP gateway could not be started.');
    const payloads = await this.loadPayloads(recordingId);
    return this.gateway.call({ to, payloads, ...(signal ? { signal } : {}) });
  }

  async test(): Promise<GatewayTestResult> {
    await this.started;
    return this.gateway.test();
  }

  /** Settings changed: finish the calls in progress, then stop. */
  retire(): void {
    this.retired = true;
    this.stateValue = 'stopped';
    if (this.active === 0) void this.shutdown();
  }

  private async start(): Promise<void> {
    if (this.retired) return;
    try {
      await this.gateway.start();
      this.setState('ready', null);
    } catch (err) {
      this.setState('unreachable', unexpected(err));
      this.scheduleRetry(() => this.start());
    }
  }

  /** A call the gateway never answered at all (no final response, transport error) counts toward "unreachable". */
  private noteResult(result: CallResult): void {
    if (result.finalStatus !== null) {
      this.unansweredInARow = 0;
      return;
    }
    const silence = result.errors.find((e) => GATEWAY_SILENT.has(e.code));
    if (!silence) return;
    this.unansweredInARow += 1;
    if (this.unansweredInARow >= UNREACHABLE_AFTER && this.stateValue === 'ready') {
      // The last call's own problem: the banner then reads as that call's result does.
      this.setState('unreachable', silence);
      this.scheduleRetry(() => this.probe());
    }
  }

  private async probe(): Promise<void> {
    if (this.retired) return;
    const result = await this.gateway.test().catch((err: unknown): GatewayTestResult => ({ reachable: false, status: null, trace: [], error: unexpected(err) }));
    if (result.reachable) {
      this.unansweredInARow = 0;
      this.setState('ready', null);
    } else {
      this.lastError = result.error ?? this.lastError;
      this.scheduleRetry(() => this.probe());
    }
  }

  private scheduleRetry(action: () => Promise<void>): void {
    if (this.retryTimer || this.retired) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void action();
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  private setState(state: SipPlacerState, error: AppErrorShape | null): void {
    if (this.retired) return;
    const changed = state !== this.stateValue;
    this.stateValue = state;
    this.lastError = error;
    if (changed) {
      this.deps.log.info('sip gateway state', { state, error });
      this.deps.onStateChange?.();
    }
  }

  private async shutdown(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.payloads.clear();
    await this.gateway.stop().catch((err: unknown) => this.deps.log.warn('sip gateway stop failed', { error: String(err) }));
  }

  /** Stops at once (the app is quitting): calls in progress are hung up by the gateway. */
  async close(): Promise<void> {
    this.retired = true;
    this.stateValue = 'stopped';
    await this.shutdown();
  }

  private async loadPayloads(recordingId: number): Promise<PreparedPayloads> {
    const [pcma, pcmu] = await Promise.all([this.payload(recordingId, 'pcma'), this.payload(recordingId, 'pcmu')]);
    return { pcma, pcmu };
  }

  private payload(recordingId: number, codec: 'pcma' | 'pcmu'): Promise<Uint8Array> {
    const key = `${recordingId}:${codec}`;
    let pending = this.payloads.get(key);
    if (!pending) {
      pending = readFile(this.deps.payloadPath(recordingId, codec)).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      pending.catch(() => this.payloads.delete(key));
      this.payloads.set(key, pending);
      while (this.payloads.size > PAYLOAD_CACHE_SIZE * 2) this.payloads.delete(this.payloads.keys().next().value!);
    } else {
      // Most recently used last.
      this.payloads.delete(key);
      this.payloads.set(key, pending);
    }
    return pending;
  }
}
