/**
 * One call's media: SDP offer/answer, the outgoing recording and the
 * incoming RTP (packet count, RFC 4733 digits). Implements the MediaSession
 * seam of types.ts; the SIP call flow drives it and never sees a socket.
 */
import type { AppErrorShape } from '../../../shared/result.js';
import { AppError, problem } from '../../errors.js';
import type { DtmfEvent } from './dtmfReceiver.js';
import { sharedRtpClock, type RtpClock, type RtpClockSource } from './rtpClock.js';
import { COUNTER, LocalRtpTransport, type RtpTransport } from './rtpTransport.js';
import {
  LocalDescription,
  answerDirection,
  chooseCodec,
  packetPeriod,
  parsePeerSdp,
  peerAcceptsMedia,
  type Direction,
  type PeerSdp,
} from './sdp.js';
import type { G711Codec, MediaFactory, MediaOpenOptions, MediaSession, MediaStats, NegotiatedMedia, PlayOptions, PreparedPayloads } from './types.js';

/** NegotiatedMedia plus the direction the peer declared (an addition to the seam; optional there). */
export interface RtpNegotiatedMedia extends NegotiatedMedia {
  /** The peer's a= direction: sendonly or inactive means the call is on hold and we send nothing. */
  direction: Direction;
  ptimeMs: number;
  warnings: AppErrorShape[];
}

export class RtpMediaSession implements MediaSession {
  readonly localPort: number;
  private readonly local: LocalDescription;
  private readonly codecs: readonly G711Codec[];
  private negotiated: RtpNegotiatedMedia | null = null;
  private closed = false;

  constructor(
    private readonly transport: RtpTransport,
    options: MediaOpenOptions,
  ) {
    this.localPort = transport.localPort;
    this.codecs = options.codecs.length > 0 ? [...new Set(options.codecs)] : ['PCMA', 'PCMU'];
    this.local = new LocalDescription(options.localAddress, this.localPort);
  }

  /** A session whose socket and packets are on this thread, paced by `clock` (the shared clocks by default). */
  static async open(options: MediaOpenOptions, clock: RtpClock | RtpClockSource = sharedRtpClock): Promise<RtpMediaSession> {
    const transport = await LocalRtpTransport.open(options.localAddress, options.portRange, clock);
    return new RtpMediaSession(transport, options);
  }

  /** Datagrams the socket refused to send (diagnosis only). */
  get sendErrors(): number {
    return Atomics.load(this.transport.counters, COUNTER.sendErrors);
  }

  offer(): string {
    return this.local.offer(this.codecs);
  }

  /** The answer to our offer: its line 0 answers our only m= line (RFC 3264 §6). */
  applyAnswer(sdp: string): RtpNegotiatedMedia {
    const peer = parsePeerSdp(sdp, 0);
    const choice = chooseCodec(peer.audio, this.codecs);
    return this.commit(peer, choice.codec, choice.payloadType);
  }

  /** A re-INVITE's offer (new address/port, hold, codec): switch to it and answer. */
  answerReoffer(sdp: string): { answer: string; media: RtpNegotiatedMedia } {
    const peer = parsePeerSdp(sdp);
    const choice = chooseCodec(peer.audio, this.codecs);
    const answer = this.local.answer(peer, choice, answerDirection(peer.audio.direction));
    return { answer, media: this.commit(peer, choice.codec, choice.payloadType) };
  }

  private commit(peer: PeerSdp, codec: G711Codec, payloadType: number): RtpNegotiatedMedia {
    const { address, port, direction, telephoneEventPayloadType } = peer.audio;
    const period = packetPeriod(peer.audio);
    const warnings: AppErrorShape[] = [];
    if (period.ignored) {
      const { asked, reason } = period.ignored;
      warnings.push(
        problem('media.ptimeUnsupported', {
          asked,
          reason,
          ptime: period.ptimeMs,
        }),
      );
    }
    this.negotiated = { codec, payloadType, remoteAddress: address, remotePort: port, telephoneEventPayloadType, direction, ptimeMs: period.ptimeMs, warnings };
    this.transport.configure({ address, port, payloadType, codec, ptimeMs: period.ptimeMs }, !peerAcceptsMedia(direction), {
      audioPayloadType: payloadType,
      telephoneEventPayloadType,
    });
    return this.negotiated;
  }

  play(payloads: PreparedPayloads, options: PlayOptions): void {
    if (this.closed) throw new AppError('media.closed');
    if (!this.negotiated) throw new AppError('media.notNegotiated');
    let called = false;
    this.transport.play(payloads, options.times, options.tailMs ?? 0, () => {
      if (called || this.closed) return;
      called = true;
      options.onEnd();
    });
  }

  stop(): void {
    this.transport.stop();
  }

  stats(): MediaStats {
    const c = this.transport.counters;
    return {
      packetsSent: Atomics.load(c, COUNTER.packetsSent),
      packetsReceived: Atomics.load(c, COUNTER.packetsReceived),
      playedMs: Atomics.load(c, COUNTER.recordingBytesSent) / 8,
      playedToEnd: Atomics.load(c, COUNTER.playedToEnd) === 1,
      dtmf: this.transport
        .dtmfEvents()
        .map((e) => e.digit)
        .join(''),
    };
  }

  /** Every RFC 4733 key press with its duration (stats().dtmf has the digits only). */
  dtmfEvents(): readonly DtmfEvent[] {
    return this.transport.dtmfEvents();
  }

  get negotiatedMedia(): RtpNegotiatedMedia | null {
    return this.negotiated;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }
}

export class RtpMediaFactory implements MediaFactory {
  /** Without a clock, every session uses the process-wide ones (the point of a shared clock). */
  constructor(private readonly clock?: RtpClock | RtpClockSource) {}

  open(options: MediaOpenOptions): Promise<MediaSession> {
    return RtpMediaSession.open(options, this.clock ?? sharedRtpClock);
  }
}
