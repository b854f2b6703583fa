/**
 * The MP3 decoder's worker thread (see mp3Decoder.ts): decodes the range it
 * was given chunk by chunk, one chunk per credit the caller posts, and posts
 * each chunk's mono samples (transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MPEGDecoder } from 'mpg123-decoder';
import { decodeQuietly, downmix } from './mp3Downmix.js';

export interface Mp3WorkerData {
  /** The audio range, transferred. */
  bytes: ArrayBuffer;
  channels: 1 | 2;
  chunkBytes: number;
}

/** A decoded chunk, or the reason the decoder could not start. */
export type Mp3WorkerMessage =
  | { mono: Float32Array; sampleRate: number; errorAtSample: number | null; bytesDone: number; done: boolean }
  | { failed: string };

/** Posted by the caller: how many more chunks it has room for. */
export type Mp3WorkerCredit = number;

const port = parentPort!;
const { bytes, channels, chunkBytes } = workerData as Mp3WorkerData;
const data = new Uint8Array(bytes);
const decoder = new MPEGDecoder({ enableGapless: false });
let credits = 0;
let off = 0;

function post(message: Mp3WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function pump(): void {
  while (credits > 0 && off < data.length) {
    credits--;
    const end = Math.min(off + chunkBytes, data.length);
    const decoded = decodeQuietly(decoder, data.subarray(off, end));
    off = end;
    // A copy of just the samples: the decoder reuses its own buffers, and the copy is transferred.
    const mono = downmix(decoded, channels).slice();
    post(
      { mono, sampleRate: decoded.sampleRate, errorAtSample: decoded.errors[0]?.outputSamples ?? null, bytesDone: off, done: off >= data.length },
      [mono.buffer as ArrayBuffer],
    );
  }
}

port.on('message', (credit: Mp3WorkerCredit) => {
  credits += credit;
  decoder.ready.then(pump, (err: unknown) => post({ failed: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
