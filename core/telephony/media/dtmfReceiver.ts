/**
 * RFC 4733 telephone-event reception: turns a stream of event packets into
 * digits, each reported once. A sender repeats every event packet while the
 * key is held (updating the duration) and sends the end packet three times
 * (§2.5.1.4); all of them carry the event's start timestamp (§2.3.4), which
 * is what identifies one key press.
 */
import type { RtpPacket } from './rtpPacket.js';
import { dtmfDigit, parseTelephoneEvent } from './rtpPacket.js';

export interface DtmfEvent {
  digit: string;
  /** Duration in milliseconds, as last reported by the sender. */
  durationMs: number;
  ended: boolean;
}

interface Current extends DtmfEvent {
  ssrc: number;
  timestamp: number;
  event: number;
}

/** Enough history to recognise late retransmissions of recent events. */
const REMEMBERED = 16;

export class DtmfReceiver {
  private readonly pressed: Current[] = [];
  private readonly recent: Current[] = [];

  /** Feeds one telephone-event packet; returns the digit when it starts a new key press. */
  push(packet: RtpPacket): string | null {
    const ev = parseTelephoneEvent(packet.payload);
    if (!ev) return null;
    const known = this.recent.find((e) => e.ssrc === packet.ssrc && e.timestamp === packet.timestamp);
    if (known) {
      known.durationMs = Math.max(known.durationMs, ev.duration / 8);
      known.ended ||= ev.end;
      return null;
    }
    const last = this.recent[this.recent.length - 1];
    // §2.5.1.3: an event longer than the 16-bit duration continues in a new
    // segment with a new timestamp but no marker bit: the same key press.
    if (!packet.marker && last && last.ssrc === packet.ssrc && last.event === ev.event && !last.ended) {
      last.timestamp = packet.timestamp;
      last.durationMs += ev.duration / 8;
      last.ended ||= ev.end;
      return null;
    }
    const digit = dtmfDigit(ev.event);
    if (digit === null) return null; // flash (16) and non-DTMF events are not digits
    const current: Current = { digit, durationMs: ev.duration / 8, ended: ev.end, ssrc: packet.ssrc, timestamp: packet.timestamp, event: ev.event };
    this.recent.push(current);
    if (this.recent.length > REMEMBERED) this.recent.shift();
    this.pressed.push(current);
    return digit;
  }

  get events(): DtmfEvent[] {
    return this.pressed.map(({ digit, durationMs, ended }) => ({ digit, durationMs, ended }));
  }

  get digits(): string {
    return this.pressed.map((e) => e.digit).join('');
  }
}
