/**
 * A UDP sink standing in for the gateway's RTP port in tests: it records
 * every datagram with its arrival time (process.hrtime.bigint()), rebuilds
 * each stream's payload by sequence number, and measures the stream's timing
 * against the 20 ms grid. It can also send datagrams from its port (DTMF, or
 * RTP back to a session, as a gateway would).
 */
import { createSocket, type Socket } from 'node:dgram';
import { parseRtpPacket, type RtpPacket } from '../../core/telephony/media/rtpPacket.js';

export interface SinkPacket {
  /** Arrival time, process.hrtime.bigint() nanoseconds. */
  at: bigint;
  from: { address: string; port: number };
  data: Buffer;
  /** null when the datagram is not RTP. */
  rtp: RtpPacket | null;
}

export interface TimingStats {
  packets: number;
  /** Sequence numbers never seen between the first and the last (RFC 3550 A.3 style). */
  lost: number;
  duplicates: number;
  /** Packets that arrived after one with a higher sequence number. */
  reordered: number;
  /** |inter-arrival gap - period x sequence step|, milliseconds. */
  gapErrorP50Ms: number;
  gapErrorP99Ms: number;
  gapErrorMaxMs: number;
  /** The longest time between two arrivals, milliseconds. */
  maxGapMs: number;
  /** Arrival time against the sender's timestamp grid (anchored on the first packet), p99 of |offset|, ms. */
  gridErrorP99Ms: number;
  /** RFC 3550 §6.4.1 / A.8 interarrival jitter at the end of the stream, milliseconds. */
  jitterMs: number;
  /** How far the stream slid against its timestamps from its first tenth to its last tenth, milliseconds. */
  driftMs: number;
  /** Last arrival minus first arrival, milliseconds. */
  durationMs: number;
}

const SAMPLE_RATE = 8000;

/** What a receiver with a jitter buffer played before the call was torn down (RtpSink.heard). */
export interface PlayoutResult {
  /** The payload bytes played (G.711: one byte per sample), in timestamp order. */
  bytes: Buffer;
  /** Packets that arrived after their playout time (dropped, as a real buffer drops them). */
  late: number;
  /** Samples that were in the buffer, or still to come, when the call ended: never heard. */
  cutSamples: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Extends 16-bit sequence numbers across wrap-arounds, in arrival order. */
function extendSequences(packets: SinkPacket[]): number[] {
  const out: number[] = [];
  let cycles = 0;
  let last = -1;
  for (const p of packets) {
    const seq = p.rtp!.sequence;
    if (last >= 0) {
      if (seq < last && last - seq > 0x8000) cycles += 0x10000;
      else if (seq > last && seq - last > 0x8000) {
        out.push(cycles - 0x10000 + seq); // a late packet from before the wrap
        continue;
      }
    }
    last = seq;
    out.push(cycles + seq);
  }
  return out;
}

export class RtpSink {
  readonly packets: SinkPacket[] = [];
  private waiters: { count: number; ssrc: number | undefined; resolve: () => void }[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    readonly port: number,
  ) {
    socket.on('message', (data, rinfo) => {
      const at = process.hrtime.bigint();
      this.packets.push({ at, from: { address: rinfo.address, port: rinfo.port }, data, rtp: parseRtpPacket(data) });
      this.waiters = this.waiters.filter((w) => {
        if (this.count(w.ssrc) < w.count) return true;
        w.resolve();
        return false;
      });
    });
    socket.on('error', () => {});
  }

  /** Binds on `address` with a random port (port 0), so tests can run in parallel. */
  static async open(address = '127.0.0.1', receiveBufferBytes = 4 * 1024 * 1024): Promise<RtpSink> {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(receiveBufferBytes); // the kernel caps it at net.core.rmem_max
    } catch {
      // keep the default buffer
    }
    return new RtpSink(socket, address, socket.address().port);
  }

  /** The SSRCs seen, in order of first arrival. */
  ssrcs(): number[] {
    return [...new Set(this.packets.flatMap((p) => (p.rtp ? [p.rtp.ssrc] : [])))];
  }

  count(ssrc?: number): number {
    if (ssrc === undefined) return this.packets.length;
    return this.packets.filter((p) => p.rtp?.ssrc === ssrc).length;
  }

  /** Resolves once `count` packets (of `ssrc`, if given) have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, options: { ssrc?: number; timeoutMs?: number } = {}): Promise<void> {
    if (this.count(options.ssrc) >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`the RTP sink got ${this.count(options.ssrc)} of ${count} packets within ${options.timeoutMs ?? 10_000} ms`));
      }, options.timeoutMs ?? 10_000);
      const waiter = {
        count,
        ssrc: options.ssrc,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The RTP packets of one stream (the first SSRC by default) in arrival order. */
  stream(ssrc?: number, payloadType?: number): SinkPacket[] {
    const id = ssrc ?? this.ssrcs()[0];
    return this.packets.filter((p) => p.rtp && p.rtp.ssrc === id && (payloadType === undefined || p.rtp.payloadType === payloadType));
  }

  /**
   * The stream's payload bytes reassembled by sequence number (wrap-around
   * handled, duplicates dropped). Missing packets are simply absent: compare
   * `timing().lost` to know.
   */
  payload(ssrc?: number, payloadType?: number): Buffer {
    const packets = this.stream(ssrc, payloadType);
    const seqs = extendSequences(packets);
    const bySeq = new Map<number, Uint8Array>();
    packets.forEach((p, i) => {
      if (!bySeq.has(seqs[i]!)) bySeq.set(seqs[i]!, p.rtp!.payload);
    });
    return Buffer.concat([...bySeq.entries()].sort((a, b) => a[0] - b[0]).map(([, payload]) => payload));
  }

  /**
   * Models a phone's fixed-delay jitter buffer: playout of the first packet
   * starts `delayMs` after it arrived, and every sample plays at that origin
   * plus its RTP timestamp offset (RFC 3550 §5.1: the timestamp is the
   * sampling instant). A packet that arrives after its playout time is
   * dropped; packets arriving after `endedAt` (the BYE) are never seen; and
   * samples due at or after `endedAt` are discarded with the buffer, which
   * is what a phone does with the end of the message when the BYE comes.
   */
  heard(options: { delayMs: number; endedAt: bigint; ssrc?: number; payloadType?: number }): PlayoutResult {
    const packets = this.stream(options.ssrc, options.payloadType).filter((p) => p.at <= options.endedAt);
    const first = packets[0];
    if (!first) return { bytes: Buffer.alloc(0), late: 0, cutSamples: 0 };
    const origin = first.at + BigInt(Math.round(options.delayMs * 1e6));
    const byOffset = new Map<number, Uint8Array>();
    let late = 0;
    for (const p of packets) {
      // Unsigned 32-bit difference: the timestamp may wrap (§5.1).
      const offset = (p.rtp!.timestamp - first.rtp!.timestamp) >>> 0;
      const playAt = origin + BigInt(Math.round((offset * 1e9) / SAMPLE_RATE));
      if (p.at > playAt) late += 1;
      else if (!byOffset.has(offset)) byOffset.set(offset, p.rtp!.payload);
    }
    const parts: Uint8Array[] = [];
    let cutSamples = 0;
    for (const [offset, payload] of [...byOffset.entries()].sort((a, b) => a[0] - b[0])) {
      const playAt = origin + BigInt(Math.round((offset * 1e9) / SAMPLE_RATE));
      const playable = options.endedAt <= playAt ? 0 : Math.ceil((Number(options.endedAt - playAt) * SAMPLE_RATE) / 1e9);
      const take = Math.min(payload.length, playable);
      parts.push(payload.subarray(0, take));
      cutSamples += payload.length - take;
    }
    return { bytes: Buffer.concat(parts), late, cutSamples };
  }

  /** Timing of one stream against its packet grid (ptime `periodMs`, 20 by default; 8 kHz). */
  timing(ssrc?: number, payloadType?: number, periodMs = 20): TimingStats {
    const packets = this.stream(ssrc, payloadType);
    const seqs = extendSequences(packets);
    const seen = new Set<number>();
    let duplicates = 0;
    let reordered = 0;
    let highest = -Infinity;
    for (const s of seqs) {
      if (seen.has(s)) duplicates += 1;
      seen.add(s);
      if (s < highest) reordered += 1;
      highest = Math.max(highest, s);
    }
    const lowest = seen.size > 0 ? Math.min(...seen) : 0;
    const lost = seen.size > 0 ? highest - lowest + 1 - seen.size : 0;

    const gapErrors: number[] = [];
    let maxGapMs = 0;
    for (let i = 1; i < packets.length; i++) {
      const gapMs = Number(packets[i]!.at - packets[i - 1]!.at) / 1e6;
      maxGapMs = Math.max(maxGapMs, gapMs);
      gapErrors.push(Math.abs(gapMs - periodMs * (seqs[i]! - seqs[i - 1]!)));
    }
    gapErrors.sort((a, b) => a - b);

    // Arrival against the sender's own timestamps (RFC 3550 A.8 transit times).
    const first = packets[0];
    const offsets: number[] = [];
    let jitter = 0;
    let lastTransit: number | null = null;
    for (const p of packets) {
      const arrivalMs = Number(p.at - first!.at) / 1e6;
      const mediaMs = (((p.rtp!.timestamp - first!.rtp!.timestamp) >>> 0) * 1000) / SAMPLE_RATE;
      const transit = arrivalMs - mediaMs;
      offsets.push(transit);
      if (lastTransit !== null) jitter += (Math.abs(transit - lastTransit) - jitter) / 16;
      lastTransit = transit;
    }
    const tenth = Math.max(1, Math.floor(offsets.length / 10));
    const driftMs = offsets.length > 1 ? median(offsets.slice(-tenth)) - median(offsets.slice(0, tenth)) : 0;
    const gridErrors = offsets.map((o) => Math.abs(o)).sort((a, b) => a - b);

    return {
      packets: packets.length,
      lost,
      duplicates,
      reordered,
      gapErrorP50Ms: percentile(gapErrors, 50),
      gapErrorP99Ms: percentile(gapErrors, 99),
      gapErrorMaxMs: gapErrors[gapErrors.length - 1] ?? 0,
      maxGapMs,
      gridErrorP99Ms: percentile(gridErrors, 99),
      jitterMs: jitter,
      driftMs,
      durationMs: packets.length > 1 ? Number(packets[packets.length - 1]!.at - first!.at) / 1e6 : 0,
    };
  }

  /** Sends one datagram from the sink's port (the peer's side of symmetric RTP). */
  send(data: Uint8Array, port: number, address = this.address): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(data, port, address, (err) => (err ? reject(err) : resolve())));
  }

  clear(): void {
    this.packets.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
