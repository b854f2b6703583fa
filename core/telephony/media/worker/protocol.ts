/**
 * What travels over the media worker's port (docs/ARCHITECTURE.md "Media
 * thread"). The core thread keeps SDP and the call flow; the worker owns the
 * RTP sockets, the packet clocks and the senders. Per call only small
 * commands cross; a recording's audio crosses once, in SharedArrayBuffers
 * both threads read; each session's counters are a shared Int32Array the
 * core reads without asking (rtpTransport.ts COUNTER).
 */
import type { RtpClockOptions } from '../rtpClock.js';
import type { ThreadScheduling } from '../../../../shared/host/protocol.js';
import type { AppErrorShape } from '../../../../shared/result.js';
import type { DtmfEvent } from '../dtmfReceiver.js';
import type { RtpTarget } from '../rtpSender.js';
import type { ReceiveConfig } from '../rtpTransport.js';

export interface MediaWorkerData {
  /** Ask the OS for a higher priority for the media thread (Linux; best effort). Default true. */
  raisePriority: boolean;
  /** Benchmarks comparing clock settings (bench/rtp.ts); the app leaves the defaults. */
  clock?: RtpClockOptions;
}

/** Core thread -> media worker. `id` names a session, `key` a recording. */
export type MediaCommand =
  | { type: 'open'; id: number; localAddress: string; portRange: [number, number]; counters: Int32Array }
  /** A recording's prepared audio, backed by SharedArrayBuffers: sent once, played by every call that uses it. */
  | { type: 'recording'; key: number; pcma: Uint8Array; pcmu: Uint8Array }
  /** The core no longer holds the recording (garbage-collected): sessions still playing it keep their view. */
  | { type: 'forgetRecording'; key: number }
  | { type: 'configure'; id: number; target: RtpTarget; held: boolean; receive: ReceiveConfig }
  /** `play` numbers the plays of a session, so an `ended` of an earlier one is told apart. */
  | { type: 'play'; id: number; play: number; key: number; times: number; tailMs: number }
  | { type: 'stop'; id: number }
  | { type: 'close'; id: number }
  /** Benchmarks: collect every packet's send-time error against its grid, then report. */
  | { type: 'probe'; on: boolean }
  | { type: 'probeReport'; request: number };

export interface ProbeFigures {
  packets: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Share of packets sent more than 2 ms off their grid time. */
  over2MsShare: number;
  /** The worker's own event-loop delay p99 (ms) over the probe. */
  loopDelayP99Ms: number;
  /** How long the probe has run, in seconds (packets / seconds is the send rate: 50 a second per 20 ms stream). */
  seconds: number;
  /** RTP sessions open on the media thread when the figures were taken (one per call with media). */
  sessions: number;
}

/** Media worker -> core thread. */
export type MediaEvent =
  /** The thread runs, scheduled so (real time or a niceness, on Linux: media.worker.ts). */
  | { type: 'ready'; scheduling: ThreadScheduling }
  | { type: 'opened'; id: number; port: number }
  | { type: 'openFailed'; id: number; error: AppErrorShape }
  /** The recording and its playout tail have been sent (PlayOptions.onEnd). */
  | { type: 'ended'; id: number; play: number }
  | { type: 'firstPacket'; id: number }
  | { type: 'dtmf'; id: number; events: DtmfEvent[] }
  /** Something failed that belongs to no command (a bug in the worker): it is logged. */
  | { type: 'error'; id: number | null; error: AppErrorShape }
  | { type: 'probeReport'; request: number; figures: ProbeFigures };
