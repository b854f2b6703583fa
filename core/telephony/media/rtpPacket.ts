/**
 * RTP packet layout (RFC 3550 §5.1) and the RFC 4733 telephone-event payload.
 * Pure functions: no sockets, no clocks.
 */

export const RTP_HEADER_BYTES = 12;

/** Writes a 12-byte header with no CSRC, no extension, no padding (V=2, P=0, X=0, CC=0). */
export function writeRtpHeader(
  buf: Uint8Array,
  fields: { marker: boolean; payloadType: number; sequence: number; timestamp: number; ssrc: number },
): void {
  buf[0] = 0x80;
  buf[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  buf[2] = (fields.sequence >>> 8) & 0xff;
  buf[3] = fields.sequence & 0xff;
  const ts = fields.timestamp >>> 0;
  buf[4] = ts >>> 24;
  buf[5] = (ts >>> 16) & 0xff;
  buf[6] = (ts >>> 8) & 0xff;
  buf[7] = ts & 0xff;
  const ssrc = fields.ssrc >>> 0;
  buf[8] = ssrc >>> 24;
  buf[9] = (ssrc >>> 16) & 0xff;
  buf[10] = (ssrc >>> 8) & 0xff;
  buf[11] = ssrc & 0xff;
}

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** The payload without CSRCs, header extension or padding (a view into the datagram). */
  payload: Uint8Array;
}

/**
 * Reads a datagram as RTP, or returns null when it is not a valid RTP packet
 * (wrong version, truncated, padding longer than the packet). Never throws:
 * anything can arrive on a UDP port.
 */
export function parseRtpPacket(data: Uint8Array): RtpPacket | null {
  if (data.length < RTP_HEADER_BYTES) return null;
  const b0 = data[0]!;
  if (b0 >> 6 !== 2) return null;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (data.length < offset) return null;
  if (b0 & 0x10) {
    // Header extension (§5.3.1): 16-bit profile, 16-bit length in 32-bit words.
    if (data.length < offset + 4) return null;
    const words = (data[offset + 2]! << 8) | data[offset + 3]!;
    offset += 4 + words * 4;
    if (data.length < offset) return null;
  }
  let end = data.length;
  if (b0 & 0x20) {
    // Padding (§5.1): the last octet counts the padding octets, itself included.
    const pad = data[data.length - 1]!;
    if (pad === 0 || end - pad < offset) return null;
    end -= pad;
  }
  const b1 = data[1]!;
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: (data[2]! << 8) | data[3]!,
    timestamp: ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0,
    ssrc: ((data[8]! << 24) | (data[9]! << 16) | (data[10]! << 8) | data[11]!) >>> 0,
    payload: data.subarray(offset, end),
  };
}

export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  /** Duration in timestamp units (8 kHz: 8 per millisecond). */
  duration: number;
}

/** RFC 4733 §2.3: event(8) E(1) R(1) volume(6) duration(16). */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

export function writeTelephoneEvent(e: TelephoneEvent): Uint8Array {
  return Uint8Array.of(e.event, (e.end ? 0x80 : 0) | (e.volume & 0x3f), (e.duration >> 8) & 0xff, e.duration & 0xff);
}

/** RFC 4733 §3.2 table 1: events 0-15 are the DTMF digits; 16 (flash) and above are not digits. */
const DTMF_DIGITS = '0123456789*#ABCD';

export function dtmfDigit(event: number): string | null {
  return DTMF_DIGITS[event] ?? null;
}
