/**
 * One call's outgoing RTP stream (RFC 3550 §5.1, RFC 3551 §4.5.14 G.711):
 * one frame of `ptime` ms (20 unless the answer's a=ptime says otherwise,
 * 8 bytes a millisecond) every `ptime` ms, paced by the shared RtpClock of
 * that period. After the recording, an optional tail of silence frames
 * lets the far end's jitter buffer play out before the caller hangs up.
 */
import { randomInt } from 'node:crypto';
import { sharedRtpClock, type ClockedStream, type RtpClock, type RtpClockSource } from './rtpClock.js';
import { RTP_HEADER_BYTES, writeRtpHeader } from './rtpPacket.js';
import type { G711Codec, PreparedPayloads } from './types.js';

/** The byte a G.711 encoder gives for a zero sample (ITU-T G.711 tables). */
export const SILENCE_BYTE: Record<G711Codec, number> = { PCMA: 0xd5, PCMU: 0xff };

/** G.711 at 8 kHz: 8 samples, one byte each, per millisecond (RFC 3551 §4.5.14). */
export const SAMPLES_PER_MS = 8;
export const DEFAULT_PTIME_MS = 20;

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
  /** Packet period in ms (the answer's a=ptime, already checked: 10-60, a multiple of 10); 20 when absent. */
  ptimeMs?: number;
}

export type SendDatagram = (packet: Buffer, port: number, address: string) => void;

interface Playback {
  payloads: PreparedPayloads;
  times: number;
  repeat: number;
  offset: number;
  /** Silence still to send after the recording, in ms (counted in clock ticks, sent or held). */
  tailMs: number;
  onEnd: () => void;
}

export class RtpSender implements ClockedStream {
  readonly ssrc = randomInt(0, 2 ** 32);
  /** RFC 3550 §5.1: sequence number and timestamp start at random values. */
  private sequence = randomInt(0, 2 ** 16);
  private readonly clockOf: RtpClockSource;
  private clock: RtpClock | null = null;
  private ptimeMs = DEFAULT_PTIME_MS;
  private slot = -1;
  /** The timestamp of tick `anchorTick`; every later tick adds one frame of samples (§5.1: it follows the sampling clock). */
  private anchorTick = 0;
  private anchorTimestamp = randomInt(0, 2 ** 32);
  private nextTick = 0;
  private inClock = false;
  private marker = true;
  private target: RtpTarget | null = null;
  private held = false;
  private playback: Playback | null = null;

  constructor(
    clock: RtpClock | RtpClockSource,
    private readonly send: SendDatagram,
    /**
     * packetsSent, recordingBytesSent, playedToEnd at slots 0-2 (rtpTransport.ts COUNTER): on the media
     * worker this is a SharedArrayBuffer the core thread reads without a message round trip.
     */
    private readonly counters: Int32Array = new Int32Array(3),
  ) {
    // A single clock serves its own period; other periods use the shared clocks.
    this.clockOf = typeof clock === 'function' ? clock : (period) => (period === clock.periodMs ? clock : sharedRtpClock(period));
  }

  get packetsSent(): number {
    return Atomics.load(this.counters, 0);
  }

  get recordingBytesSent(): number {
    return Atomics.load(this.counters, 1);
  }

  get playedToEnd(): boolean {
    return Atomics.load(this.counters, 2) === 1;
  }

  private set playedToEnd(value: boolean) {
    Atomics.store(this.counters, 2, value ? 1 : 0);
  }

  get frameMs(): number {
    return this.ptimeMs;
  }

  /** Where frames go, in which codec and packet period; a re-INVITE may change any of it mid-stream. */
  setTarget(target: RtpTarget): void {
    this.target = target;
    const ptime = target.ptimeMs ?? DEFAULT_PTIME_MS;
    if (ptime !== this.ptimeMs) this.changePeriod(ptime);
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

  /** Plays the recording `times` times, then `tailMs` of silence, then calls onEnd once. */
  play(payloads: PreparedPayloads, times: number, onEnd: () => void, tailMs = 0): void {
    this.halt();
    this.playedToEnd = false;
    this.playback = { payloads, times: Math.max(1, Math.floor(times)), repeat: 0, offset: 0, tailMs: Math.max(0, tailMs), onEnd };
    if (this.currentPayload().length === 0) {
      this.finish();
      return;
    }
    this.join();
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
      if (this.playedToEnd) playback.tailMs -= (frames - MAX_CATCH_UP_FRAMES) * this.ptimeMs;
      this.nextTick = tick - MAX_CATCH_UP_FRAMES + 1;
      frames = MAX_CATCH_UP_FRAMES;
      this.marker = true;
    }
    if (this.held || !this.target) {
      // The tail is time for the far end to play out: it runs on while nothing is sent.
      if (this.playedToEnd) playback.tailMs -= frames * this.ptimeMs;
      this.nextTick = tick + 1;
      this.marker = true;
      if (this.playedToEnd && playback.tailMs <= 0) this.finish();
      return;
    }
    for (let i = 0; i < frames && this.playback; i++) this.sendFrame(this.nextTick++, this.target, playback);
  }

  /** Takes a phase of the current period's clock and starts (or resumes) at its next tick. */
  private join(): void {
    const clock = (this.clock ??= this.clockOf(this.ptimeMs));
    // One phase for the session's life (per period): its packets stay exactly one period apart.
    if (this.slot < 0) {
      const { slot, firstTick } = clock.reserve();
      this.slot = slot;
      this.anchorTick = firstTick;
      this.nextTick = firstTick;
    } else {
      this.nextTick = Math.max(this.nextTick, clock.nextTickOf(this.slot));
    }
    this.marker = true; // RFC 3551 §4.1: first packet of a talkspurt
    clock.add(this, this.slot, this.nextTick);
    this.inClock = true;
  }

  /**
   * A new packet period (the answer's or a re-INVITE's a=ptime): the stream
   * moves to that period's clock. The timestamp goes on from where it was,
   * so the next packet starts a new talkspurt (RFC 3551 §4.1) without a jump.
   */
  private changePeriod(ptime: number): void {
    const playing = this.inClock;
    if (this.clock && this.slot >= 0) {
      this.anchorTimestamp = this.timestampOf(this.nextTick);
      if (this.inClock) this.clock.remove(this, this.slot);
    }
    this.inClock = false;
    this.clock = null;
    this.slot = -1;
    this.ptimeMs = ptime;
    if (playing) {
      const clock = (this.clock = this.clockOf(ptime));
      const { slot, firstTick } = clock.reserve();
      this.slot = slot;
      this.anchorTick = firstTick;
      this.nextTick = firstTick;
      this.marker = true;
      clock.add(this, slot, firstTick);
      this.inClock = true;
    } else {
      this.slot = -1;
    }
  }

  private timestampOf(tick: number): number {
    return (this.anchorTimestamp + (tick - this.anchorTick) * this.ptimeMs * SAMPLES_PER_MS) >>> 0;
  }

  private currentPayload(): Uint8Array {
    const p = this.playback;
    if (!p) return new Uint8Array(0);
    return this.target?.codec === 'PCMU' ? p.payloads.pcmu : p.payloads.pcma;
  }

  private sendFrame(tick: number, target: RtpTarget, playback: Playback): void {
    const frameBytes = this.ptimeMs * SAMPLES_PER_MS;
    const data = target.codec === 'PCMU' ? playback.payloads.pcmu : playback.payloads.pcma;
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + frameBytes);
    writeRtpHeader(packet, {
      marker: this.marker,
      payloadType: target.payloadType,
      sequence: this.sequence,
      timestamp: this.timestampOf(tick),
      ssrc: this.ssrc,
    });
    const take = this.playedToEnd ? 0 : Math.max(0, Math.min(frameBytes, data.length - playback.offset));
    if (take > 0) packet.set(data.subarray(playback.offset, playback.offset + take), RTP_HEADER_BYTES);
    // The last frame of a repeat is padded with silence, so every repeat starts on a frame boundary;
    // the tail is silence through and through.
    if (take < frameBytes) packet.fill(SILENCE_BYTE[target.codec], RTP_HEADER_BYTES + take);
    const clock = this.clock!;
    const probe = clock.probe;
    if (probe) probe(clock.now() - clock.dueAt(this.slot, tick));
    this.send(packet, target.port, target.address);
    this.marker = false;
    this.sequence = (this.sequence + 1) & 0xffff;
    Atomics.add(this.counters, 0, 1);
    if (this.playedToEnd) {
      playback.tailMs -= this.ptimeMs;
      if (playback.tailMs <= 0) this.finish();
      return;
    }
    Atomics.add(this.counters, 1, take);
    playback.offset += take;
    if (playback.offset >= data.length) {
      playback.offset = 0;
      playback.repeat += 1;
      if (playback.repeat >= playback.times) {
        this.playedToEnd = true;
        if (playback.tailMs <= 0) this.finish();
      }
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
    if (this.inClock && this.clock) this.clock.remove(this, this.slot);
    this.inClock = false;
  }
}
