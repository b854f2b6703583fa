import { normalizePhone } from '../../shared/phone/normalize.js';
import type { CallResult, GatewaySettings, GatewayTestView, TestCallResult } from '../../shared/types.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { GatewaySettingsService } from '../settings/gatewaySettings.js';
import type { CallPlacer } from '../tasks/types.js';
import { DryRunGateway, type DryRunOptions } from './dryRunGateway.js';
import { SipGateway } from './gateway/sipGateway.js';
import type { MediaFactory } from './media/types.js';
import { WorkerMediaFactory } from './media/workerMedia.js';
import { SipCallPlacer, toGatewayConfig, type PayloadLocator, type SipPlacerState } from './sipPlacer.js';

export interface GatewayManagerDeps {
  /** Settings > Gateway as saved, and its password. */
  settings: Pick<GatewaySettingsService, 'settings' | 'password'>;
  log: Logger;
  /** Where a recording's prepared call audio is; throws recording.notFound for an unknown one. */
  payloadPath: PayloadLocator;
  checkRecording: (id: number) => void;
  /** The gateway became ready or unreachable: the engine looks again. */
  onStateChange: () => void;
  dryRun?: DryRunOptions;
  /** RTP for SIP calls (default: the media worker thread). */
  media?: MediaFactory;
}

/** What the engine status and the dashboard say about the selected gateway. */
export interface GatewayState {
  gateway: 'sip' | 'dryRun';
  state: SipPlacerState | 'dryRun';
  error: SipCallPlacer['error'];
}

/**
 * The telephony gateway's lifecycle, apart from the composition root
 * (core/core.ts): the dry-run gateway, the SIP gateway for the saved
 * settings (started, registered and watched by SipCallPlacer, rebuilt when
 * the settings change), "Test gateway" and the test calls with their
 * Cancel. The one place a SipCallPlacer is built.
 */
export class GatewayManager {
  readonly dryRun: DryRunGateway;
  /** The SIP gateway for the saved settings; rebuilt when they change. */
  private sip: { key: string; placer: SipCallPlacer } | null = null;
  /** Bumped by every save of Settings > Gateway, so a new password takes effect too. */
  private generation = 0;
  /** The test calls in progress, so that Cancel can end them. */
  private readonly testCalls = new Set<AbortController>();

  constructor(private readonly deps: GatewayManagerDeps) {
    this.dryRun = new DryRunGateway(deps.dryRun);
  }

  /** Settings > Gateway was saved: the next call builds the SIP gateway again. */
  saved(): void {
    this.generation += 1;
  }

  /** A task made now is a dry run unless Settings > Gateway is on SIP (a task keeps the gateway it was made for). */
  isDryRun(): boolean {
    return this.deps.settings.settings().mode !== 'sip';
  }

  /**
   * The gateway for tasks of one kind. Dry-run tasks always use the dry-run
   * gateway. Real tasks use the SIP gateway for the saved settings, or wait
   * (null) while Settings > Gateway is not on SIP. When the settings change,
   * the old SIP gateway finishes its connected calls and stops.
   */
  placer(dryRun: boolean): CallPlacer | null {
    if (dryRun) return this.dryRun;
    const settings = this.deps.settings.settings();
    if (settings.mode !== 'sip') {
      this.retire();
      return null;
    }
    return this.sipPlacer(settings);
  }

  /** The selected gateway: SIP's state and problem while Settings > Gateway is on SIP (starting it if needed). */
  state(): GatewayState {
    const sip = this.deps.settings.settings().mode === 'sip' ? this.sipPlacer() : null;
    return sip ? { gateway: 'sip', state: sip.state, error: sip.error } : { gateway: 'dryRun', state: 'dryRun', error: null };
  }

  /** The selected gateway's channels: Settings > Gateway's in SIP mode (even while it is not ready), else the dry run's. */
  channelLimit(): number {
    const settings = this.deps.settings.settings();
    return settings.mode === 'sip' ? settings.channels : this.dryRun.channels;
  }

  /** "Test gateway": OPTIONS, and REGISTER where configured, with the saved settings. */
  async test(): Promise<GatewayTestView> {
    const settings = this.configured();
    if (settings.mode === 'sip') return this.sipPlacer(settings).test();
    // In dry run no SIP gateway runs: the test opens its own for the two requests.
    const gateway = new SipGateway(this.config(settings), { media: this.media() });
    try {
      return await gateway.test();
    } finally {
      await gateway.stop();
    }
  }

  /** "Test call": one real call to `to` with a recording, outside any task, until it ends or `cancelTestCalls()`. */
  async testCall(to: string, recordingId: number): Promise<TestCallResult> {
    const phone = normalizePhone(to);
    if (!phone.ok) throw new AppError('gateway.badNumber', `"${to}" is not a phone number: enter it as 0812..., 62812... or +62812....`, { number: to });
    const settings = this.configured();
    this.deps.checkRecording(recordingId);
    const controller = new AbortController();
    this.testCalls.add(controller);
    try {
      const result = await this.placeTestCall(settings, phone.e164, recordingId, controller.signal);
      // Only a call still in progress can be cancelled (it leaves the set when it ends), so an abort here had effect.
      return { ...result, cancelledByUser: controller.signal.aborted };
    } finally {
      this.testCalls.delete(controller);
    }
  }

  /** Settings > Gateway > Cancel: the call sends CANCEL while it rings, BYE once answered (outboundCall.ts). */
  cancelTestCalls(): void {
    for (const controller of this.testCalls) controller.abort();
  }

  /** Stops the SIP gateway (unregistering where it registered) and waits for its sockets to close. */
  async close(): Promise<void> {
    const sip = this.sip?.placer;
    this.sip = null;
    await sip?.close();
  }

  /** The settings changed or the core closes: the SIP gateway finishes its connected calls, then stops. */
  retire(): void {
    this.sip?.placer.retire();
    this.sip = null;
  }

  private async placeTestCall(settings: GatewaySettings, e164: string, recordingId: number, signal: AbortSignal): Promise<CallResult> {
    if (settings.mode === 'sip') return this.sipPlacer(settings).testCall(e164, recordingId, signal);
    // In dry run no SIP gateway runs: this one call gets its own, stopped when it ends.
    const placer = this.build(settings);
    try {
      return await placer.testCall(e164, recordingId, signal);
    } finally {
      await placer.close();
    }
  }

  private sipPlacer(settings = this.deps.settings.settings()): SipCallPlacer {
    const key = `${this.generation}:${JSON.stringify(settings)}`;
    if (this.sip?.key === key) return this.sip.placer;
    this.retire();
    const placer = this.build(settings, this.deps.onStateChange);
    this.sip = { key, placer };
    return placer;
  }

  /** The one place a SIP gateway for calls is made: the tasks' (told of its state changes) or a dry run's test call's. */
  private build(settings: GatewaySettings, onStateChange?: () => void): SipCallPlacer {
    return new SipCallPlacer(settings, this.config(settings), {
      media: this.media(),
      payloadPath: this.deps.payloadPath,
      log: this.deps.log,
      ...(onStateChange ? { onStateChange } : {}),
    });
  }

  private config(settings: GatewaySettings) {
    return toGatewayConfig(settings, this.deps.settings.password());
  }

  /** Call media: RTP paced on the media worker thread, away from this event loop (issue 8, docs/ARCHITECTURE.md). */
  private media(): MediaFactory {
    return this.deps.media ?? new WorkerMediaFactory({ log: (line) => this.deps.log.warn(line) });
  }

  private configured(): GatewaySettings {
    const settings = this.deps.settings.settings();
    if (!settings.host) {
      throw new AppError('gateway.hostMissing', 'Enter and save the gateway host (name or IP address) in Settings > Gateway first.');
    }
    return settings;
  }
}
