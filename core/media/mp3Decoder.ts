import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MPEGDecoder, type MPEGDecodedAudio } from 'mpg123-decoder';
import { messagesOf } from '../workers/messages.js';

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

function downmix(decoded: MPEGDecodedAudio, channels: 1 | 2): Float32Array {
  const n = decoded.samplesDecoded;
  const left = decoded.channelData[0]!;
  const right = decoded.channelData[1];
  if (channels === 1 || !right) return left.length === n ? left : left.subarray(0, n);
  // Averaging keeps full scale when both channels carry the same signal.
  for (let i = 0; i < n; i++) left[i] = (left[i]! + right[i]!) * 0.5;
  return left.subarray(0, n);
}

/**
 * The decoder prints each frame error with console.error as well as
 * returning it; the returned list is what counts, so the print is muted.
 * decode() is synchronous, so nothing else can log meanwhile.
 */
function decodeQuietly(decoder: MPEGDecoder, chunk: Uint8Array): MPEGDecodedAudio {
  const original = console.error;
  console.error = () => {};
  try {
    return decoder.decode(chunk);
  } finally {
    console.error = original;
  }
}

async function* decodeInThread(data: Uint8Array, start: number, end: number, channels: 1 | 2): AsyncGenerator<DecodedChunk> {
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

/** Plain CommonJS run with `eval`, so no separate file has to be found at run time (tsx, vitest, electron-vite bundles). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { decoderUrl, bytes, channels, chunkBytes } = workerData;
const data = new Uint8Array(bytes);
let credits = 0;
let off = 0;
let decoder;
const ready = import(decoderUrl).then(async (m) => {
  decoder = new m.MPEGDecoder({ enableGapless: false });
  await decoder.ready;
});
function pump() {
  while (credits > 0 && off < data.length) {
    credits--;
    const end = Math.min(off + chunkBytes, data.length);
    const original = console.error;
    console.error = () => {};
    let d;
    try { d = decoder.decode(data.subarray(off, end)); } finally { console.error = original; }
    off = end;
    const n = d.samplesDecoded;
    const left = d.channelData[0];
    const right = d.channelData[1];
    const mono = new Float32Array(n);
    if (channels === 2 && right) { for (let i = 0; i < n; i++) mono[i] = (left[i] + right[i]) * 0.5; }
    else mono.set(left.subarray(0, n));
    parentPort.postMessage({ mono, sampleRate: d.sampleRate, errorAtSample: d.errors.length ? d.errors[0].outputSamples : null, bytesDone: off, done: off >= data.length }, [mono.buffer]);
  }
}
parentPort.on('message', (m) => {
  credits += m;
  ready.then(pump, (err) => parentPort.postMessage({ failed: String(err && err.stack || err) }));
});
`;

let decoderUrl: string | undefined;
function resolveDecoderUrl(): string {
  decoderUrl ??= pathToFileURL(createRequire(import.meta.url).resolve('mpg123-decoder')).href;
  return decoderUrl;
}

interface WorkerMessage {
  mono?: Float32Array;
  sampleRate?: number;
  errorAtSample?: number | null;
  bytesDone?: number;
  done?: boolean;
  failed?: string;
}

async function* decodeInWorker(data: Uint8Array, start: number, end: number, channels: 1 | 2): AsyncGenerator<DecodedChunk> {
  if (end <= start) return;
  // A copy of just the audio range is handed over (transferred, not cloned twice). Uint8Array's slice, not
  // Buffer's: a Buffer's slice is a view, and transferring it would detach the caller's data.
  const bytes = Uint8Array.prototype.slice.call(data, start, end).buffer;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { decoderUrl: resolveDecoderUrl(), bytes, channels, chunkBytes: CHUNK_BYTES },
    transferList: [bytes],
  });
  const messages = messagesOf<WorkerMessage>(worker, 'MP3 decoder');
  worker.postMessage(AHEAD);
  for await (const m of messages) {
    if (m.failed) throw new Error(`MP3 decoder worker failed: ${m.failed}`);
    worker.postMessage(1);
    yield { mono: m.mono!, sampleRate: m.sampleRate!, errorAtSample: m.errorAtSample ?? null, bytesDone: m.bytesDone! };
    if (m.done) return;
  }
}
