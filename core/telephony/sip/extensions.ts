import { getHeader, getHeaderList, type SipMessage } from './message.js';
import { parseParams } from './uri.js';

/**
 * The SIP extensions this user agent takes part in: reliable provisional
 * responses (RFC 3262, option tag `100rel`) and session timers (RFC 4028,
 * option tag `timer`). UPDATE (RFC 3311) needs no option tag, only Allow.
 */
export const SUPPORTED = '100rel, timer';

/** RFC 4028 §4: the smallest session interval a UA may ask for, and the one we ask for (Min-SE default). */
export const MIN_SE_FLOOR = 90;

/** The option tags of a Require, Supported or Unsupported header (§20.32, §20.37), lower-cased. */
export function optionTags(message: SipMessage, header: 'Require' | 'Supported' | 'Unsupported'): Set<string> {
  return new Set(getHeaderList(message, header).map((t) => t.trim().toLowerCase()));
}

/** Does the message name `method` in Allow (§20.5)? Absent Allow says nothing: false. */
export function allows(message: SipMessage, method: string): boolean {
  return getHeaderList(message, 'Allow').some((m) => m.trim().toUpperCase() === method);
}

/** RFC 3262 §7.1: RSeq is 1 to 2**32-1; null when absent or malformed. */
export function rseqOf(message: SipMessage): number | null {
  const text = getHeader(message, 'RSeq')?.trim();
  if (!text || !/^\d{1,10}$/.test(text)) return null;
  const value = Number(text);
  return value >= 1 && value <= 2 ** 32 - 1 ? value : null;
}

export interface SessionExpires {
  /** Delta-seconds of the session interval. */
  seconds: number;
  /** Who refreshes, in the roles of the transaction that carried the header; null when not said. */
  refresher: 'uac' | 'uas' | null;
}

/** RFC 4028 §4: `Session-Expires: 1800;refresher=uac` (compact form `x`, expanded by the parser). */
export function sessionExpiresOf(message: SipMessage): SessionExpires | null {
  const value = getHeader(message, 'Session-Expires');
  if (!value) return null;
  const semi = value.indexOf(';');
  const delta = (semi < 0 ? value : value.slice(0, semi)).trim();
  // An interval of 0 would make the refresher refresh without pause: not a session timer.
  if (!/^\d{1,10}$/.test(delta) || Number(delta) < 1) return null;
  const refresher = semi < 0 ? undefined : parseParams(value.slice(semi + 1)).refresher?.toLowerCase();
  return { seconds: Number(delta), refresher: refresher === 'uac' || refresher === 'uas' ? refresher : null };
}

/** RFC 4028 §5: `Min-SE: 90`; null when absent or malformed. */
export function minSeOf(message: SipMessage): number | null {
  const value = getHeader(message, 'Min-SE');
  const delta = value?.split(';')[0]?.trim();
  return delta && /^\d{1,10}$/.test(delta) ? Number(delta) : null;
}

/**
 * RFC 4028 §10: without a refresh, the side that does not refresh ends the
 * session this long before it expires: a third of the interval, at most 32 s.
 */
export function expiryGuardMs(seconds: number): number {
  return (seconds - Math.min(32, seconds / 3)) * 1000;
}
