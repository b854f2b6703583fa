/**
 * One call's media: SDP offer/answer, the outgoing recording and the
 * incoming RTP (packet count, RFC 4733 digits). Implements the MediaSession
 * seam of types.ts; the SIP call flow drives it and never sees a socket.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { AppError } from '../../errors.js';
import { DtmfReceiver, type DtmfEvent } from './dtmfReceiver.js';
import { sharedRtpClock, type RtpClock } from './rtpClock.js';
import { parseRtpPacket } from './rtpPacket.js';
import { RtpSender } from './rtpSender.js';
import { bindRtpSocket } from './rtpSocket.js';
import {
  LocalDescription,
  OUR_TELEPHONE_EVENT_PT,
  answerDirection,
  chooseCodec,
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
}

export class RtpMediaSession implements MediaSession {
  readonly localPort: number;
  private readonly local: LocalDescription;
  private readonly sender: RtpSender;
  private readonly dtmf = new DtmfReceiver();
  private readonly codecs: readonly G711Codec[];
  private negotiated: RtpNegotiatedMedia | null = null;
  private closed = false;
  private received = 0;
  /** Datagrams the socket refused to send (diagnosis only). */
  sendErrors = 0;
  /** Where the peer's RTP actually came from last (symmetric RTP / NAT diagnosis). */
  lastSource: { address: string; port: number } | null = null;

  private constructor(
    private readonly socket: Socket,
    options: MediaOpenOptions,
    clock: RtpClock,
  ) {
    this.localPort = socket.address().port;
    this.codecs = options.codecs.length > 0 ? [...new Set(options.codecs)] : ['PCMA', 'PCMU'];
    this.local = new LocalDescription(options.localAddress, this.localPort);
    this.sender = new RtpSender(clock, (packet, port, address) => {
      try {
        socket.send(packet, port, address);
      } catch {
        this.sendErrors += 1; // a closed socket or a bad destination: the frame is lost, the call goes on
      }
    });
    socket.on('message', this.onDatagram);
    // A send or receive error on UDP (ICMP unreachable...) must never take the process down.
    socket.on('error', () => {});
  }

  static async open(options: MediaOpenOptions, clock: RtpClock = sharedRtpClock()): Promise<RtpMediaSession> {
    const socket = await bindRtpSocket(options.localAddress, options.portRange);
    return new RtpMediaSession(socket, options, clock);
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
    this.negotiated = { codec, payloadType, remoteAddress: address, remotePort: port, telephoneEventPayloadType, direction };
    this.sender.setTarget({ address, port, payloadType, codec });
    this.sender.setHeld(!peerAcceptsMedia(direction));
    return this.negotiated;
  }

  play(payloads: PreparedPayloads, options: PlayOptions): void {
    if (this.closed) throw new AppError('media.closed', 'The call has ended; its recording cannot be played any more.');
    if (!this.negotiated) throw new AppError('media.notNegotiated', 'The recording cannot start before the gateway has answered with its audio address.');
    let called = false;
    this.sender.play(payloads, options.times, () => {
      if (called || this.closed) return;
      called = true;
      options.onEnd();
    });
  }

  stop(): void {
    this.sender.stop();
  }

  stats(): MediaStats {
    return {
      packetsSent: this.sender.packetsSent,
      packetsReceived: this.received,
      playedMs: this.sender.recordingBytesSent / 8,
      playedToEnd: this.sender.playedToEnd,
      dtmf: this.dtmf.digits,
    };
  }

  /** Every RFC 4733 key press with its duration (stats().dtmf has the digits only). */
  dtmfEvents(): readonly DtmfEvent[] {
    return this.dtmf.events;
  }

  get negotiatedMedia(): RtpNegotiatedMedia | null {
    return this.negotiated;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sender.stop();
    this.socket.off('message', this.onDatagram);
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  /**
   * Counts every valid RTP packet arriving on our port, from any source:
   * a gateway behind NAT sends from an address other than its c= line
   * (symmetric RTP, RFC 4961), and the port is ours alone for this call.
   * Telephone-events are accepted with our payload type (the peer sends
   * with the numbers of our offer, RFC 3264 §5.1) or the one it announced.
   */
  private readonly onDatagram = (msg: Buffer, rinfo: RemoteInfo): void => {
    const packet = parseRtpPacket(msg);
    if (!packet) return;
    // RFC 5761 §4: payload types 64-95 on an RTP port are RTCP, not media.
    if (packet.payloadType >= 64 && packet.payloadType <= 95) return;
    this.received += 1;
    this.lastSource = { address: rinfo.address, port: rinfo.port };
    const te = this.negotiated?.telephoneEventPayloadType;
    if (packet.payloadType === OUR_TELEPHONE_EVENT_PT || (te != null && packet.payloadType === te)) {
      if (packet.payloadType !== this.negotiated?.payloadType) this.dtmf.push(packet);
    }
  };
}

export class RtpMediaFactory implements MediaFactory {
  /** Without a clock, every session uses the process-wide one (the point of a shared clock). */
  constructor(private readonly clock?: RtpClock) {}

  open(options: MediaOpenOptions): Promise<MediaSession> {
    return RtpMediaSession.open(options, this.clock ?? sharedRtpClock());
  }
}
