import type { AppErrorShape } from '../../shared/result.js';
import type { CallOutcome, SipTraceEntry, SmsSendResult } from '../../shared/types.js';
import type { DeliveryCheck } from '../sms/providers/status.js';

/** What the engine needs to know about one finished call (a subset of the telephony CallResult). */
export interface CallReport {
  outcome: CallOutcome;
  hungUpBy: 'callee' | 'system' | null;
  finalStatus: number | null;
  q850Cause: number | null;
  ringMs: number | null;
  answeredMs: number | null;
  playedMs: number | null;
  playedToEnd: boolean | null;
  dtmf: string;
  errors: AppErrorShape[];
  /** The SIP messages of the call (real gateway only), stored for support. */
  trace?: SipTraceEntry[];
}

export interface CallRequest {
  to: string; // E.164
  recordingId: number;
  signal: AbortSignal;
}

/**
 * The telephony gateway as the task engine sees it: the SIP gateway, or the
 * dry-run gateway that places no real calls. The engine owns the limits.
 */
export interface CallPlacer {
  readonly dryRun: boolean;
  readonly channels: number;
  readonly callsPerSecond: number;
  call(request: CallRequest): Promise<CallReport>;
}

export interface SmsSender {
  /** The provider's name (twilio, infobip, ...); absent for the dry run, which reaches none. */
  readonly provider?: string;
  send(message: { to: string; text: string }): Promise<SmsSendResult>;
  /** Present when the provider's API can say whether a message was delivered (core/sms/delivery.ts polls it). */
  status?(providerMessageId: string): Promise<DeliveryCheck>;
}
