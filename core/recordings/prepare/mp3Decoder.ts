import { messagesOf } from '../../workers/messages.js';
import { decodeQuietly, downmix } from './mp3Downmix.js';
import startDecoderWorker from './mp3Decoder.worker?nodeWorker';
import type { Mp3WorkerCredit, Mp3WorkerData, Mp3WorkerMessage } from './mp3Decoder.worker.js';

/**
 * Streams an MP3 through the mpg123 WASM decoder in chunks and downmixes
 * each chunk to mono, so the float PCM of a whole file (over 200 MB for ten
 * minutes of 44.1 kHz stereo) never exists at once.
 *
 * The decoder's own gapless trimming is off: every audio frame gives exactly
 * its samplesPerFrame samples, so a range of frames decoded on its own lands
 * at a known sample position (after a few priming frames, see
 * prepareRecording), and the caller trims the encoder delay itself.
 *
 * Long files are decoded on a worker thread: the decoder is the slowest
 * step, and while it works the caller resamples and encodes the previous
 * chunk on its own thread (on two cores that hides most of the rest), and
 * the app's main thread stays responsive. The package's own
 * MPEGDecoderWebWorker was measured at half the speed of the same decoder
 * in a plain worker_threads worker, hence this small worker.
 */

export interface DecodedChunk {
  /** Mono samples (average of the channels), -1..1. */
  mono: Float32Array;
  sampleRate: number;
  /** Output sample (per channel, counted from the start of the range) where the decoder reported a frame error, or null. */
  errorAtSample: number | null;
  /** Input bytes consumed so far, from the start of the range. */
  bytesDone: number;
}

export type DecodeMode = 'thread' | 'worker';

/** About 4 s of 128 kbps audio per chunk. */
export const CHUNK_BYTES = 64 * 1024;
/** Chunks the worker may decode ahead of the consumer: bounds memory to a few MB. */
const AHEAD = 4;

export function decodeChunks(data: Uint8Array, start: number, end: number, channels: 1 | 2, mode: DecodeMode): AsyncGenerator<DecodedChunk> {
  return mode === 'worker' ? decodeInWorker(data, start, end, channels) : decodeInThread(data, start, end, channels);
}

async function* decodeInThread(data: Uint8Array, start: number, end: number, channels: 1 | 2): AsyncGenerator<DecodedChunk> {
  // Loaded when first needed (~5 MB): a core host that never prepares a recording in its own thread never holds it.
  const { MPEGDecoder } = await import('mpg123-decoder');
  const decoder = new MPEGDecoder({ enableGapless: false });
  await decoder.ready;
  try {
    for (let off = start; off < end; off += CHUNK_BYTES) {
      const decoded = decodeQuietly(decoder, data.subarray(off, Math.min(off + CHUNK_BYTES, end)));
      yield {
        mono: downmix(decoded, channels),
        sampleRate: decoded.sampleRate,
        errorAtSample: decoded.errors[0]?.outputSamples ?? null,
        bytesDone: Math.min(off + CHUNK_BYTES, end) - start,
      };
      // Let timers, IPC and progress events through between chunks.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    decoder.free();
  }
}

async function* decodeInWorker(data: Uint8Array, start: number, end: number, channels: 1 | 2): AsyncGenerator<DecodedChunk> {
  if (end <= start) return;
  // A copy of just the audio range is handed over (transferred, not cloned twice). Uint8Array's slice, not
  // Buffer's: a Buffer's slice is a view, and transferring it would detach the caller's data.
  const bytes = Uint8Array.prototype.slice.call(data, start, end).buffer;
  const worker = startDecoderWorker({ workerData: { bytes, channels, chunkBytes: CHUNK_BYTES } satisfies Mp3WorkerData, transferList: [bytes] });
  const credit = (n: Mp3WorkerCredit) => worker.postMessage(n);
  const messages = messagesOf<Mp3WorkerMessage>(worker, 'MP3 decoder');
  credit(AHEAD);
  for await (const m of messages) {
    if ('failed' in m) throw new Error(`MP3 decoder worker failed: ${m.failed}`);
    credit(1);
    yield { mono: m.mono, sampleRate: m.sampleRate, errorAtSample: m.errorAtSample, bytesDone: m.bytesDone };
    if (m.done) return;
  }
}
