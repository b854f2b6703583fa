/**
 * The seam between SIP signalling (core/telephony/sip, the call flow) and
 * media (core/telephony/media: SDP offer/answer, RTP send/receive, DTMF).
 * Signalling never touches RTP sockets; media never sees a SIP message.
 * The sockets and the packet clock may live on the media worker thread
 * (workerMedia.ts); this seam is the same either way.
 */
import type { AppErrorShape } from '../../../shared/result.js';

export type G711Codec = 'PCMA' | 'PCMU';

/** The prepared call audio of a recording: raw 8 kHz mono G.711 bytes, no header. */
export interface PreparedPayloads {
  pcma: Uint8Array;
  pcmu: Uint8Array;
}

export interface MediaOpenOptions {
  /** Address to bind the RTP socket to and to put in SDP c= (the address the gateway can reach). */
  localAddress: string;
  /** Inclusive even-port range for RTP (RTCP would be +1; RFC 3550 §11). */
  portRange: readonly [number, number];
  /** Codec preference for the offer, first preferred. */
  codecs: readonly G711Codec[];
}

export interface NegotiatedMedia {
  codec: G711Codec;
  payloadType: number;
  remoteAddress: string;
  remotePort: number;
  /** RFC 4733 telephone-event payload type offered back by the peer, if any. */
  telephoneEventPayloadType: number | null;
  /** The packet period we send with (the answer's a=ptime when usable, else 20 ms). */
  ptimeMs?: number;
  /** What in the answer was not followed and why (e.g. an a=ptime we cannot send): for the call's problems. */
  warnings?: AppErrorShape[];
}

export interface MediaStats {
  packetsSent: number;
  packetsReceived: number;
  /** Milliseconds of the recording sent so far (all repeats). */
  playedMs: number;
  /** True once every requested repeat has been sent in full. */
  playedToEnd: boolean;
  /** RFC 4733 digits received, in order ("1", "#", ...). */
  dtmf: string;
  /** What went wrong in the media itself during the call (the media worker stopped...), for the call's problems. */
  problems?: AppErrorShape[];
}

export interface PlayOptions {
  /** How many times the recording is played in total (1 = once). */
  times: number;
  /**
   * Silence sent after the last frame of the last repeat, in ms, before
   * onEnd: the far end's jitter buffer still holds the end of the recording
   * and a BYE sent at once would cut it off (issue 10). 0 = none.
   */
  tailMs?: number;
  /** Called once when the last frame of the last repeat, and the tail after it, have been sent. */
  onEnd: () => void;
}

/** One call's media: built by the call flow, closed when the call ends. */
export interface MediaSession {
  readonly localPort: number;
  /** The SDP offer for the INVITE (PCMA/PCMU per preference, telephone-event 101, ptime 20). */
  offer(): string;
  /** Applies the answer of a 200 OK (or a re-INVITE's new offer, which it answers). */
  applyAnswer(sdp: string): NegotiatedMedia;
  answerReoffer(sdp: string): { answer: string; media: NegotiatedMedia };
  play(payloads: PreparedPayloads, options: PlayOptions): void;
  stop(): void;
  stats(): MediaStats;
  close(): void;
}

export interface MediaFactory {
  open(options: MediaOpenOptions): Promise<MediaSession>;
}
