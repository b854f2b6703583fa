import type { G711Codec } from '../media/types.js';

/** One telephony gateway (Settings > Gateway), as the SIP user agent needs it. */
export interface GatewayConfig {
  /** The gateway / SIP trunk / PBX: name or IP address, used in the Request-URI. */
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  /** The account user (REGISTER address-of-record, and the digest user unless authUsername is set). */
  username?: string;
  password?: string;
  /** Digest user when it differs from username. */
  authUsername?: string;
  /** When set, only challenges of this realm are answered. */
  realm?: string;
  /** Send every request here instead of to host:port (RFC 3261 §8.1.2), with a loose Route. */
  outboundProxy?: { host: string; port: number };
  /** The address the gateway can reach us at (Via, Contact, SDP); automatic when empty. */
  localAddress?: string;
  /** SIP port to bind; 0 or absent = any free port. */
  localPort?: number;
  rtpPortRange: [number, number];
  callerId: { user: string; displayName?: string };
  codecs: G711Codec[];
  register: boolean;
  /** Requested registration lifetime in seconds (RFC 3261 §10.2.1.1). */
  registerExpires: number;
  ringTimeoutMs: number;
  /** How the E.164 number is written in the Request-URI (GSM gateways often want national). */
  numberFormat: 'e164' | 'e164NoPlus' | 'national';
  /** Plays of the recording before the app hangs up (1 = once). */
  playTimes?: number;
  /**
   * Silence after the last repeat before the BYE (ms): a phone or gateway
   * still holds 60-200 ms in its jitter buffer and drops it when the BYE
   * arrives (issue 10). DEFAULT_PLAYOUT_TAIL_MS when absent.
   */
  playoutTailMs?: number;
  /** Safety net: the app hangs up an answered call after this long. */
  maxCallMs?: number;
  /** User-Agent header. */
  userAgent?: string;
}

export const DEFAULT_MAX_CALL_MS = 30 * 60_000;
/** Above the 60-200 ms that phones and gateways buffer (docs/DOMAIN.md "Playout tail"). */
export const DEFAULT_PLAYOUT_TAIL_MS = 300;
