import { availableParallelism } from 'node:os';
import { concatArrays } from './concatArrays.js';
import { checkMp3, DEFAULT_LIMITS, type RecordingLimits } from './checkMp3.js';
import { ByteSink, encodeBoth } from './g711.js';
import { decodeChunks, type DecodeMode } from './mp3Decoder.js';
import type { FrameScan } from './mpegFrames.js';
import { recordingErrors } from './recordingErrors.js';
import { Resampler, TARGET_RATE } from './resampler.js';

export type PrepareStage = 'checking' | 'decoding' | 'encoding';

export interface PreparedRecording {
  /** Length of the decoded audio (the encoder delay and padding the LAME header announces are trimmed). */
  durationMs: number;
  sourceSampleRate: number;
  sourceChannels: 1 | 2;
  /** Raw 8 kHz mono G.711 A-law bytes (RTP payload type 8), no header. */
  pcma: Uint8Array;
  /** Raw 8 kHz mono G.711 mu-law bytes (RTP payload type 0), no header. */
  pcmu: Uint8Array;
}

/**
 * Where the decoder runs: 'thread' on the caller's thread; 'worker' on one
 * worker thread; 'workers' in two halves on two worker threads at once;
 * 'auto' picks by length and by the cores there are.
 */
export type DecodePlacement = DecodeMode | 'workers' | 'auto';

export interface PrepareOptions {
  limits?: RecordingLimits;
  onProgress?: (stage: PrepareStage, fraction: number) => void;
  decodeIn?: DecodePlacement;
}

/** Below this a worker's start-up (about 0.1 s) costs more than it saves. */
const WORKER_FROM_MS = 20_000;
/** From this length, with two cores or more, the two halves are decoded at once. */
const SPLIT_FROM_MS = 60_000;
/**
 * Frames decoded before the second half's first needed sample and thrown
 * away: a frame leans on up to 511 bytes of earlier frames (the bit
 * reservoir) and on the previous frame's filterbank state. Measured: 4
 * frames already give the very samples a decode from the start gives.
 */
const PRIMING_FRAMES = 10;

/**
 * Turns a whole MP3 (already read into memory; at most maxBytes) into the
 * two call payloads, checking it along the way: decode, downmix to mono,
 * trim the encoder delay and padding, resample to 8 kHz, encode A-law and
 * mu-law, chunk by chunk. Throws a recording.* AppError for a file that
 * cannot be used.
 *
 * A long file is cut in two parts, decoded on two worker threads while this
 * thread resamples and encodes what they hand back: the decoder is the
 * slowest step, and the halves need not wait for each other. Each part has
 * its own resampler; the second starts at a sample where the resampler's
 * phase repeats (Resampler.alignment), a little before the cut, so the two
 * parts meet sample for sample as if one resampler had run through.
 */
export async function prepareRecording(data: Uint8Array, options: PrepareOptions = {}): Promise<PreparedRecording> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const progress = options.onProgress ?? (() => {});
  progress('checking', 0);
  const scan = checkMp3(data, limits);
  progress('checking', 1);

  const rate = scan.sampleRate;
  const trim = scan.gapless ?? { start: 0, end: 0 };
  const length = trimmedLength(scan);
  const durationMs = (length / rate) * 1000;
  // The frame count is exact (every frame decodes to samplesPerFrame samples), so the limit is checked before decoding.
  if (durationMs > limits.maxDurationMs) throw recordingErrors.tooLong(durationMs, limits.maxDurationMs);

  const placement = choosePlacement(options.decodeIn ?? 'auto', durationMs);
  const parts = planParts(scan, length, placement === 'workers' ? 2 : 1);
  const mode: DecodeMode = placement === 'thread' ? 'thread' : 'worker';
  const bytesDone = parts.map(() => 0);
  const totalBytes = scan.audioEnd - scan.firstFrameOffset;
  let reported = 0;
  const onBytes = (part: number, bytes: number) => {
    bytesDone[part] = bytes;
    const fraction = Math.min(1, bytesDone.reduce((a, b) => a + b, 0) / totalBytes);
    if (fraction - reported >= 0.02) {
      reported = fraction;
      progress('decoding', fraction);
    }
  };
  const abort = { failed: false };
  const results = await Promise.allSettled(parts.map((part, i) => runPart(data, scan, trim.start, part, mode, abort, (b) => onBytes(i, b))));
  // A part stopped because another failed is no news; of the others, the first part's failure is the earliest in the file.
  for (const r of results) if (r.status === 'rejected' && r.reason !== STOPPED) throw r.reason;
  progress('decoding', 1);
  progress('encoding', 0);
  const outputs = results.map((r) => (r as PromiseFulfilledResult<PartOutput>).value);
  const decoded = outputs[outputs.length - 1]!.reached;
  if (decoded === 0) throw recordingErrors.noAudio();
  const result = {
    durationMs: Math.round((decoded / rate) * 1000),
    sourceSampleRate: rate,
    sourceChannels: scan.channels,
    pcma: concatArrays(Uint8Array, outputs.map((o) => o.pcma)),
    pcmu: concatArrays(Uint8Array, outputs.map((o) => o.pcmu)),
  };
  progress('encoding', 1);
  return result;
}

/** Samples after trimming the encoder delay and padding: the recording itself. */
export function trimmedLength(scan: FrameScan): number {
  return scan.samples - (scan.gapless ? scan.gapless.start + scan.gapless.end : 0);
}

function choosePlacement(asked: DecodePlacement, durationMs: number): Exclude<DecodePlacement, 'auto'> {
  if (asked !== 'auto') return asked;
  if (durationMs >= SPLIT_FROM_MS && availableParallelism() >= 2) return 'workers';
  return durationMs > WORKER_FROM_MS ? 'worker' : 'thread';
}

/** One part of the file: which frames it decodes and which samples it feeds and keeps (all after trimming, except frames). */
export interface Part {
  firstFrame: number;
  /** Exclusive. */
  endFrame: number;
  /** Samples fed to the part's resampler: [feedFrom, feedTo); feedFrom is a multiple of the resampler's alignment. */
  feedFrom: number;
  feedTo: number;
  /** 8 kHz outputs the part contributes: [keepFrom, keepTo). */
  keepFrom: number;
  keepTo: number;
  /** The last part flushes its resampler at the end of the input. */
  last: boolean;
}

/** Splits the trimmed samples [0, length) into `count` parts that meet at outputs of the 8 kHz grid. */
export function planParts(scan: FrameScan, length: number, count: 1 | 2): Part[] {
  const frames = scan.frameOffsets.length;
  const whole: Part = { firstFrame: 0, endFrame: frames, feedFrom: 0, feedTo: length, keepFrom: 0, keepTo: Number.POSITIVE_INFINITY, last: true };
  if (count === 1) return [whole];
  const probe = new Resampler(scan.sampleRate);
  const unit = probe.alignment;
  const reach = Math.ceil(probe.lookaround) + 1;
  const lead = Math.ceil(reach / unit) * unit;
  const cut = Math.round(length / 2 / unit) * unit;
  const spf = scan.samplesPerFrame;
  const start = scan.gapless?.start ?? 0;
  if (cut - lead <= 0 || cut + reach >= length) return [whole];
  const keep = (cut * TARGET_RATE) / scan.sampleRate;
  // The first part decodes just past the cut: its last kept output needs `reach` samples beyond it.
  const firstFeedTo = cut + reach;
  const first: Part = { ...whole, endFrame: Math.min(frames, Math.ceil((start + firstFeedTo) / spf) + 1), feedTo: firstFeedTo, keepTo: keep, last: false };
  const secondFeedFrom = cut - lead;
  const second: Part = {
    ...whole,
    firstFrame: Math.max(0, Math.floor((start + secondFeedFrom) / spf) - PRIMING_FRAMES),
    feedFrom: secondFeedFrom,
    keepFrom: keep,
  };
  return [first, second];
}

/** Thrown by a part that stopped because another part failed. */
const STOPPED = new Error('stopped: another part of the file failed');

interface PartOutput {
  pcma: Uint8Array;
  pcmu: Uint8Array;
  /** Trimmed samples the decoder delivered up to (exclusive). */
  reached: number;
}

/** Decodes one part's frames, resamples what it feeds and encodes what it keeps. */
async function runPart(
  data: Uint8Array,
  scan: FrameScan,
  trimStart: number,
  part: Part,
  mode: DecodeMode,
  abort: { failed: boolean },
  onBytes: (bytes: number) => void,
): Promise<PartOutput> {
  const rate = scan.sampleRate;
  const resampler = new Resampler(rate);
  const encoder = new G711Encoder(Math.ceil(((part.feedTo - part.feedFrom) * TARGET_RATE) / rate));
  /** 8 kHz index of the resampler's next output. */
  let output = (part.feedFrom * TARGET_RATE) / rate;
  const take = (samples: Float32Array) => {
    const from = Math.max(0, part.keepFrom - output);
    const to = Math.min(samples.length, part.keepTo - output);
    if (to > from) encoder.encode(samples.subarray(from, to));
    output += samples.length;
  };
  /** Trimmed-sample position of the part's first decoded sample (negative within the encoder delay). */
  const origin = part.firstFrame * scan.samplesPerFrame - trimStart;
  let position = origin;
  // The first part starts at the stream's first frame, so the decoder sees the Xing frame (and skips it) as usual.
  const from = part.firstFrame === 0 ? scan.firstFrameOffset : scan.frameOffsets[part.firstFrame]!;
  const to = part.endFrame < scan.frameOffsets.length ? scan.frameOffsets[part.endFrame]! : scan.audioEnd;
  try {
    for await (const chunk of decodeChunks(data, from, to, scan.channels, mode)) {
      if (abort.failed) throw STOPPED;
      if (chunk.errorAtSample !== null) {
        const at = origin + chunk.errorAtSample;
        // Errors in the priming frames belong to the part before, which decodes them from the start.
        if (at >= part.feedFrom || part.firstFrame === 0) throw recordingErrors.damaged((Math.max(0, at) / rate) * 1000);
      }
      if (chunk.mono.length > 0) {
        // A stream that changes rate part-way (two files glued together) is not one recording.
        if (chunk.sampleRate !== rate) throw recordingErrors.damaged((Math.max(0, position) / rate) * 1000);
        const lo = Math.max(part.feedFrom - position, 0);
        const hi = Math.min(part.feedTo - position, chunk.mono.length);
        if (hi > lo) take(resampler.push(chunk.mono.subarray(lo, hi)));
        position += chunk.mono.length;
      }
      onBytes(chunk.bytesDone);
      if (position >= part.feedTo) break;
    }
  } catch (err) {
    if (err !== STOPPED) abort.failed = true;
    throw err;
  }
  const reached = Math.min(part.feedTo, position);
  if (part.last) take(resampler.flush());
  else if (output < part.keepTo) {
    // The decoder gave fewer samples than the frames promise: frames it could not decode.
    abort.failed = true;
    throw recordingErrors.damaged((Math.max(0, reached) / rate) * 1000);
  }
  return { ...encoder.bytes(), reached };
}

/** A-law and mu-law side by side, chunk by chunk. */
class G711Encoder {
  private readonly pcma: ByteSink;
  private readonly pcmu: ByteSink;

  constructor(expected: number) {
    this.pcma = new ByteSink(expected);
    this.pcmu = new ByteSink(expected);
  }

  encode(samples: Float32Array): void {
    encodeBoth(samples, this.pcma, this.pcmu);
  }

  bytes(): { pcma: Uint8Array; pcmu: Uint8Array } {
    return { pcma: this.pcma.bytes(), pcmu: this.pcmu.bytes() };
  }
}
