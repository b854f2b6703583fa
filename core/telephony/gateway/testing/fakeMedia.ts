import type { MediaFactory, MediaOpenOptions, MediaSession, MediaStats, NegotiatedMedia, PlayOptions, PreparedPayloads } from '../../media/types.js';

/**
 * A stand-in for core/telephony/media used by the signalling tests and the
 * call-rate benchmark: it builds a plain G.711 offer and "plays" the
 * recording by waiting its duration (8000 bytes = 1 s), sending no RTP.
 */
export class FakeMediaFactory implements MediaFactory {
  readonly sessions: FakeMediaSession[] = [];
  private nextPort: number;

  constructor(private readonly options: { playScale?: number } = {}) {
    this.nextPort = 40_000;
  }

  async open(options: MediaOpenOptions): Promise<MediaSession> {
    const port = this.nextPort;
    this.nextPort += 2;
    const session = new FakeMediaSession(options, port, this.options.playScale ?? 1);
    this.sessions.push(session);
    return session;
  }
}

export class FakeMediaSession implements MediaSession {
  readonly answers: string[] = [];
  readonly reoffers: string[] = [];
  negotiated: NegotiatedMedia | null = null;
  closed = false;
  private timer: NodeJS.Timeout | null = null;
  private playStartedAt = 0;
  private playedMs = 0;
  private playedToEnd = false;
  private durationMs = 0;

  constructor(
    private readonly options: MediaOpenOptions,
    readonly localPort: number,
    private readonly playScale: number,
  ) {}

  offer(): string {
    const ip = this.options.localAddress.includes(':') ? 'IP6' : 'IP4';
    return [
      'v=0',
      `o=- 1 1 IN ${ip} ${this.options.localAddress}`,
      's=-',
      `c=IN ${ip} ${this.options.localAddress}`,
      't=0 0',
      `m=audio ${this.localPort} RTP/AVP 8 0 101`,
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  applyAnswer(sdp: string): NegotiatedMedia {
    this.answers.push(sdp);
    const port = /^m=audio (\d+)/m.exec(sdp);
    const address = /^c=IN IP[46] (\S+)/m.exec(sdp);
    if (!port || !address) throw new Error('the answer has no audio stream');
    const pt = Number(/^m=audio \d+ RTP\/AVP (\d+)/m.exec(sdp)?.[1] ?? 8);
    this.negotiated = { codec: pt === 0 ? 'PCMU' : 'PCMA', payloadType: pt, remoteAddress: address[1]!, remotePort: Number(port[1]), telephoneEventPayloadType: null };
    return this.negotiated;
  }

  answerReoffer(sdp: string): { answer: string; media: NegotiatedMedia } {
    this.reoffers.push(sdp);
    const media = this.applyAnswer(sdp);
    return { answer: this.offer().replace('RTP/AVP 8 0 101', `RTP/AVP ${media.payloadType} 101`), media };
  }

  play(payloads: PreparedPayloads, options: PlayOptions): void {
    this.durationMs = ((payloads.pcma.length / 8) * options.times) / this.playScale;
    this.playStartedAt = Date.now();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.playedMs = this.durationMs * this.playScale;
      this.playedToEnd = true;
      options.onEnd();
    }, this.durationMs);
  }

  stop(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.playedMs = (Date.now() - this.playStartedAt) * this.playScale;
    }
  }

  stats(): MediaStats {
    return { packetsSent: Math.floor(this.playedMs / 20), packetsReceived: 0, playedMs: this.playedMs, playedToEnd: this.playedToEnd, dtmf: '' };
  }

  close(): void {
    this.stop();
    this.closed = true;
  }
}
