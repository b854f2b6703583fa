import type { SmsSendResult } from '../../../shared/types.js';
import type { Logger } from '../../log.js';
import type { LookupAll, OutboundPolicy } from '../../net/outbound.js';
import type { DeliveryCheck } from './status.js';

export interface SmsMessage {
  /** E.164, e.g. +6281234567890. */
  to: string;
  text: string;
}

/**
 * One SMS provider, or the dry run's stand-in (which reaches none). `send`
 * resolves only when the provider accepted the message; every refusal or
 * failure is thrown as an AppError whose code says what kind (sms.auth,
 * sms.rejected, sms.throttled, sms.providerError, sms.unreachable,
 * sms.uncertain, sms.badAnswer) and whose params carry provider, httpStatus,
 * attempts and the provider's answer, shortened.
 */
export interface SmsClient {
  /** The provider's name (twilio, infobip, ...); absent for the dry run. */
  readonly provider?: string;
  send(message: SmsMessage): Promise<SmsSendResult>;
  /**
   * Asks the provider whether a message it accepted was delivered; absent
   * when its API has no status look-up (docs/DOMAIN.md "SMS providers").
   * Throws an AppError `sms.statusFailed` when the provider cannot be asked.
   */
  status?(providerMessageId: string): Promise<DeliveryCheck>;
}

export interface SmsClientOptions {
  /** Replaces the policy-checked HTTP client (core/net/outbound.ts); the URL and its addresses are still checked first. */
  fetch?: typeof fetch;
  /** Where credentials may go; plain http only to loopback unless the account allows it. */
  outbound?: OutboundPolicy;
  /** DNS for the outbound checks (tests answer as a rebinding name server would). */
  lookupAll?: LookupAll;
  /** Waits between attempts; tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** 0 <= x < 1, for the jitter; tests pass a fixed one. */
  random?: () => number;
  /** Epoch ms, for Retry-After given as an HTTP date. */
  now?: () => number;
  log?: Logger;
  /** Per HTTP request. */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Bound on the total time spent waiting between attempts. */
  maxWaitMs?: number;
}

export const SMS_REQUEST_TIMEOUT_MS = 15_000;
export const SMS_MAX_ATTEMPTS = 4;
export const SMS_MAX_WAIT_MS = 30_000;

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
