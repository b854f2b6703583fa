/**
 * One call's outgoing RTP stream (RFC 3550 §5.1, RFC 3551 §4.5.14 G.711):
 * 160-byte frames every 20 ms, paced by the shared RtpClock.
 */
import { randomInt } from 'node:crypto';
import type { ClockedStream, RtpClock } from './rtpClock.js';
import { FRAME_BYTES, FRAME_SAMPLES, RTP_HEADER_BYTES, writeRtpHeader } from './rtpPacket.js';
import type { G711Codec, PreparedPayloads } from './types.js';

/** The byte a G.711 encoder gives for a zero sample (ITU-T G.711 tables). */
export const SILENCE_BYTE: Record<G711Codec, number> = { PCMA: 0xd5, PCMU: 0xff };

/**
 * A late event loop is caught up by sending the missed frames at once, but
 * never more than this many: a receiver's jitter buffer absorbs a short burst,
 * a long one would only overflow it. Further missed ticks stay silent.
 */
export const MAX_CATCH_UP_FRAMES = 3;

export interface RtpTarget {
  address: string;
  port: number;
  payloadType: number;
  codec: G711Codec;
}

export type SendDatagram = (packet: Buffer, port: number, address: string) => void;

interface Playback {
  payloads: PreparedPayloads;
  times: number;
  repeat: number;
  offset: number;
  onEnd: () => void;
}

export class RtpSender implements ClockedStream {
  readonly ssrc = randomInt(0, 2 ** 32);
  /** RFC 3550 §5.1: sequence number and timestamp start at random values. */
  private sequence = randomInt(0, 2 ** 16);
  private readonly timestampBase = randomInt(0, 2 ** 32);
  private slot = -1;
  private firstTick = 0;
  private nextTick = 0;
  private inClock = false;
  private marker = true;
  private target: RtpTarget | null = null;
  private held = false;
  private playback: Playback | null = null;
  packetsSent = 0;
  recordingBytesSent = 0;
  playedToEnd = false;

  constructor(
    private readonly clock: RtpClock,
    private readonly send: SendDatagram,
  ) {}

  /** Where frames go and in which codec; a re-INVITE may change any of it mid-stream. */
  setTarget(target: RtpTarget): void {
    this.target = target;
  }

  /**
   * RFC 3264 §5.1: while the peer is sendonly or inactive (on hold) we send
   * nothing, and the recording waits where it was.
   */
  setHeld(held: boolean): void {
    if (held && !this.held) this.marker = true;
    this.held = held;
  }

  get isPlaying(): boolean {
    return this.playback !== null;
  }

  play(payloads: PreparedPayloads, times: number, onEnd: () => void): void {
    this.halt();
    this.playedToEnd = false;
    this.playback = { payloads, times: Math.max(1, Math.floor(times)), repeat: 0, offset: 0, onEnd };
    if (this.currentPayload().length === 0) {
      this.finish();
      return;
    }
    // One phase for the session's life: its packets stay exactly 20 ms apart
    // and the timestamp is the tick count since the first one.
    if (this.slot < 0) {
      const { slot, firstTick } = this.clock.reserve();
      this.slot = slot;
      this.firstTick = firstTick;
      this.nextTick = firstTick;
    } else {
      this.nextTick = Math.max(this.nextTick, this.clock.nextTickOf(this.slot));
    }
    this.marker = true; // RFC 3551 §4.1: first packet of a talkspurt
    this.clock.add(this, this.slot, this.nextTick);
    this.inClock = true;
  }

  /** Stops sending at once; onEnd is not called. */
  stop(): void {
    this.halt();
  }

  onDue(tick: number): void {
    const playback = this.playback;
    if (!playback || tick < this.nextTick) return;
    let frames = tick - this.nextTick + 1;
    if (frames > MAX_CATCH_UP_FRAMES) {
      // RFC 3551 §4.1: after a gap in transmission the next packet starts a new talkspurt.
      this.nextTick = tick - MAX_CATCH_UP_FRAMES + 1;
      frames = MAX_CATCH_UP_FRAMES;
      this.marker = true;
    }
    if (this.held || !this.target) {
      this.nextTick = tick + 1;
      this.marker = true;
      return;
    }
    for (let i = 0; i < frames && this.playback; i++) this.sendFrame(this.nextTick++, this.target, playback);
  }

  private currentPayload(): Uint8Array {
    const p = this.playback;
    if (!p) return new Uint8Array(0);
    return this.target?.codec === 'PCMU' ? p.payloads.pcmu : p.payloads.pcma;
  }

  private sendFrame(tick: number, target: RtpTarget, playback: Playback): void {
    const data = target.codec === 'PCMU' ? playback.payloads.pcmu : playback.payloads.pcma;
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + FRAME_BYTES);
    writeRtpHeader(packet, {
      marker: this.marker,
      payloadType: target.payloadType,
      sequence: this.sequence,
      timestamp: this.timestampBase + (tick - this.firstTick) * FRAME_SAMPLES,
      ssrc: this.ssrc,
    });
    const take = Math.max(0, Math.min(FRAME_BYTES, data.length - playback.offset));
    packet.set(data.subarray(playback.offset, playback.offset + take), RTP_HEADER_BYTES);
    // The last frame of a repeat is padded with silence, so every repeat starts on a frame boundary.
    if (take < FRAME_BYTES) packet.fill(SILENCE_BYTE[target.codec], RTP_HEADER_BYTES + take);
    const probe = this.clock.probe;
    if (probe) probe(this.clock.now() - this.clock.dueAt(this.slot, tick));
    this.send(packet, target.port, target.address);
    this.marker = false;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.packetsSent += 1;
    this.recordingBytesSent += take;
    playback.offset += take;
    if (playback.offset >= data.length) {
      playback.offset = 0;
      playback.repeat += 1;
      if (playback.repeat >= playback.times) this.finish();
    }
  }

  private finish(): void {
    const playback = this.playback;
    this.halt();
    this.playedToEnd = true;
    // Outside the clock's burst: the caller's BYE must not delay other calls' frames.
    if (playback) setImmediate(playback.onEnd);
  }

  private halt(): void {
    this.playback = null;
    if (this.inClock) this.clock.remove(this, this.slot);
    this.inClock = false;
  }
}
