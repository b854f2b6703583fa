/**
 * The RTP side of one call: its UDP socket, the paced sender and the
 * receiver (packet count, RFC 4733 digits). RtpMediaSession does the SDP and
 * drives a transport; the transport runs either on the thread that made the
 * session (LocalRtpTransport, tests and tools) or on the media worker
 * (worker/workerMedia.ts runs a LocalRtpTransport there and proxies it).
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { DtmfReceiver, type DtmfEvent } from './dtmfReceiver.js';
import type { RtpClock, RtpClockSource } from './rtpClock.js';
import { parseRtpPacket } from './rtpPacket.js';
import { RtpSender, type RtpTarget } from './rtpSender.js';
import { bindRtpSocket } from './rtpSocket.js';
import type { PreparedPayloads } from './types.js';

/** What the receiver needs of the negotiation to tell digits from audio. */
export interface ReceiveConfig {
  /** The audio payload type in use: never a digit, even if the peer reuses our 101 for it. */
  audioPayloadType: number;
  /** The peer's telephone-event payload type, if it announced one (ours, 101, is always accepted). */
  telephoneEventPayloadType: number | null;
}

/** Slots of a counters block (an Int32Array, shared with the core thread when on the worker). */
export const COUNTER = { packetsSent: 0, recordingBytesSent: 1, playedToEnd: 2, packetsReceived: 3, sendErrors: 4 } as const;
export const COUNTER_SLOTS = 5;

export interface RtpTransportEvents {
  /** The first valid RTP packet arrived (the far end's audio path works). */
  onFirstPacket?: () => void;
  /** An RFC 4733 packet changed the key presses (a new digit or a longer/ended one). */
  onDtmf?: (events: readonly DtmfEvent[]) => void;
}

export interface RtpTransport {
  readonly localPort: number;
  /** Where and how to send, whether the peer holds the call, and how to read what it sends. */
  configure(target: RtpTarget, held: boolean, receive: ReceiveConfig): void;
  play(payloads: PreparedPayloads, times: number, tailMs: number, onEnd: () => void): void;
  stop(): void;
  /** Live counters, indexed by COUNTER. */
  readonly counters: Int32Array;
  dtmfEvents(): readonly DtmfEvent[];
  close(): void;
}

/** RFC 4733 telephone-event payload type of our offer (sdp.ts OUR_TELEPHONE_EVENT_PT). */
const OUR_TE_PT = 101;

export class LocalRtpTransport implements RtpTransport {
  readonly localPort: number;
  readonly counters: Int32Array;
  private readonly sender: RtpSender;
  private readonly dtmf = new DtmfReceiver();
  private receive: ReceiveConfig | null = null;
  private closed = false;
  /** Where the peer's RTP actually came from last (symmetric RTP / NAT diagnosis). */
  lastSource: { address: string; port: number } | null = null;

  private constructor(
    private readonly socket: Socket,
    clock: RtpClock | RtpClockSource,
    counters: Int32Array | undefined,
    private readonly events: RtpTransportEvents,
  ) {
    this.localPort = socket.address().port;
    this.counters = counters ?? new Int32Array(COUNTER_SLOTS);
    this.sender = new RtpSender(
      clock,
      (packet, port, address) => {
        try {
          socket.send(packet, port, address);
        } catch {
          Atomics.add(this.counters, COUNTER.sendErrors, 1); // a closed socket or a bad destination: the frame is lost, the call goes on
        }
      },
      this.counters,
    );
    socket.on('message', this.onDatagram);
    // A send or receive error on UDP (ICMP unreachable...) must never take the process down.
    socket.on('error', () => {});
  }

  static async open(
    localAddress: string,
    portRange: readonly [number, number],
    clock: RtpClock | RtpClockSource,
    options: { counters?: Int32Array; events?: RtpTransportEvents } = {},
  ): Promise<LocalRtpTransport> {
    const socket = await bindRtpSocket(localAddress, portRange);
    return new LocalRtpTransport(socket, clock, options.counters, options.events ?? {});
  }

  configure(target: RtpTarget, held: boolean, receive: ReceiveConfig): void {
    this.receive = receive;
    this.sender.setTarget(target);
    this.sender.setHeld(held);
  }

  play(payloads: PreparedPayloads, times: number, tailMs: number, onEnd: () => void): void {
    this.sender.play(payloads, times, onEnd, tailMs);
  }

  stop(): void {
    this.sender.stop();
  }

  dtmfEvents(): readonly DtmfEvent[] {
    return this.dtmf.events;
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
    if (Atomics.add(this.counters, COUNTER.packetsReceived, 1) === 0) this.events.onFirstPacket?.();
    this.lastSource = { address: rinfo.address, port: rinfo.port };
    const te = this.receive?.telephoneEventPayloadType;
    if (packet.payloadType === OUR_TE_PT || (te != null && packet.payloadType === te)) {
      if (packet.payloadType !== this.receive?.audioPayloadType) {
        this.dtmf.push(packet);
        this.events.onDtmf?.(this.dtmf.events);
      }
    }
  };
}
