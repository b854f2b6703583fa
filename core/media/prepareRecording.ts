import { checkMp3, DEFAULT_LIMITS, type RecordingLimits } from './checkMp3.js';
import { alaw, ByteSink, mulaw, toInt16 } from './g711.js';
import { decodeChunks, type DecodeMode } from './mp3Decoder.js';
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

export interface PrepareOptions {
  limits?: RecordingLimits;
  onProgress?: (stage: PrepareStage, fraction: number) => void;
  /** Where the decoder runs; 'auto' uses a worker thread for anything longer than a short clip. */
  decodeIn?: DecodeMode | 'auto';
}

/** Below this a worker's start-up (about 0.2 s) costs more than it saves. */
const WORKER_FROM_MS = 20_000;

/**
 * Turns a whole MP3 (already read into memory; at most maxBytes) into the
 * two call payloads, checking it along the way: decode, downmix to mono,
 * resample to 8 kHz, encode A-law and mu-law, chunk by chunk. Throws a
 * recording.* AppError for a file that cannot be used.
 */
export async function prepareRecording(data: Uint8Array, options: PrepareOptions = {}): Promise<PreparedRecording> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const progress = options.onProgress ?? (() => {});
  progress('checking', 0);
  const scan = checkMp3(data, limits);
  progress('checking', 1);

  const rate = scan.sampleRate;
  const resampler = new Resampler(rate);
  const expected = Math.ceil((scan.samples * TARGET_RATE) / rate);
  const pcma = new ByteSink(expected);
  const pcmu = new ByteSink(expected);
  let scratch = new Int16Array(8192);
  const encode = (samples: Float32Array) => {
    if (samples.length === 0) return;
    if (scratch.length < samples.length) scratch = new Int16Array(samples.length * 2);
    const pcm = toInt16(samples, scratch.subarray(0, samples.length));
    pcma.append(alaw.encode(pcm));
    pcmu.append(mulaw.encode(pcm));
  };

  const mode = options.decodeIn && options.decodeIn !== 'auto' ? options.decodeIn : (scan.samples / rate) * 1000 > WORKER_FROM_MS ? 'worker' : 'thread';
  const range = scan.audioEnd - scan.firstFrameOffset;
  const maxSamples = (limits.maxDurationMs / 1000) * rate;
  let decoded = 0;
  let reported = 0;
  for await (const chunk of decodeChunks(data, scan.firstFrameOffset, scan.audioEnd, scan.channels, mode)) {
    if (chunk.errorAtSample !== null) throw recordingErrors.damaged((chunk.errorAtSample / rate) * 1000);
    if (chunk.mono.length > 0) {
      // A stream that changes rate part-way (two files glued together) is not one recording.
      if (chunk.sampleRate !== rate) throw recordingErrors.damaged((decoded / rate) * 1000);
      encode(resampler.push(chunk.mono));
      decoded += chunk.mono.length;
      if (decoded > maxSamples + rate) throw recordingErrors.tooLong((decoded / rate) * 1000, limits.maxDurationMs);
    }
    const fraction = chunk.bytesDone / range;
    if (fraction - reported >= 0.02 || fraction === 1) {
      reported = fraction;
      progress('decoding', fraction);
    }
  }
  if (decoded === 0) throw recordingErrors.noAudio();
  const durationMs = (decoded / rate) * 1000;
  if (durationMs > limits.maxDurationMs) throw recordingErrors.tooLong(durationMs, limits.maxDurationMs);
  progress('encoding', 0);
  encode(resampler.flush());
  progress('encoding', 1);
  return {
    durationMs: Math.round(durationMs),
    sourceSampleRate: rate,
    sourceChannels: scan.channels,
    pcma: pcma.bytes(),
    pcmu: pcmu.bytes(),
  };
}
