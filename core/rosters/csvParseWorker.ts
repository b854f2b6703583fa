import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Options } from 'csv-parse';
import { messagesOf } from '../workers/messages.js';

/**
 * csv-parse run on a worker thread: the parse is about half of a CSV
 * import's work, so on two cores it runs beside the phone normalising and
 * the SQLite writes of the rows before, and the app's main thread is not
 * busy with it. The worker only reads, checks and parses; what the records
 * mean (row numbers, blank rows, the errors users see) is decided by the
 * caller, on its own thread.
 */

/** Records of one batch, in file order, with the state of the read when it was posted. */
export interface CsvChunk {
  records: string[][];
  /** Bytes of the file read so far (ahead of the records, by csv-parse's buffer). */
  bytesRead: number;
  /** True once any byte read so far is not UTF-8 (every record posted comes from checked bytes). */
  notUtf8: boolean;
}

/** The parse failed: csv-parse's own error (with its code and line) or the file's. */
export class CsvParseFailure extends Error {
  constructor(
    message: string,
    /** csv-parse's error code (CSV_...), undefined when the failure is not csv-parse's. */
    readonly csvCode: string | undefined,
    /** csv-parse's line count at the failure, when it gave one. */
    readonly lines: number | undefined,
    /** Records before the one that failed. */
    readonly recordsBefore: number,
  ) {
    super(message);
  }
}

/** Batches the worker may post before the caller has taken them: bounds memory to a few batches. */
const AHEAD = 4;

/**
 * Plain CommonJS run with `eval`, like core/media/mp3Decoder.ts, so no
 * separate file has to be found at run time (tsx, vitest, electron-vite
 * bundles); csv-parse is required from where the caller resolved it, which
 * Electron reads from the app's asar in worker threads too (since Electron
 * 18, electron/electron#33216).
 *
 * Records are taken from 'data' events, not an async iterator (a promise per
 * record); the parser is paused while the caller has no room for a batch.
 * The UTF-8 check sees each chunk before csv-parse does, with Node's native
 * isUtf8 (no decoding); a character split across two chunks is carried over
 * to the next.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createReadStream } = require('node:fs');
const { isUtf8 } = require('node:buffer');
const { parse, CsvError } = require(workerData.csvParse);
const { path, options, batchRecords, ahead } = workerData;
// Length of the prefix of data that ends on a whole character: step back over at
// most 3 continuation bytes to the lead byte of the last character.
function wholeChars(data) {
  const n = data.length;
  for (let back = 1; back <= 4 && n - back >= 0; back++) {
    const byte = data[n - back];
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}
const file = createReadStream(path, { highWaterMark: 256 * 1024 });
let carry = null;
let notUtf8 = false;
file.on('data', (chunk) => {
  if (notUtf8) return;
  const data = carry ? Buffer.concat([carry, chunk]) : chunk;
  const cut = wholeChars(data);
  carry = cut < data.length ? Buffer.from(data.subarray(cut)) : null;
  if (!isUtf8(data.subarray(0, cut))) notUtf8 = true;
});
const parser = parse(options);
file.on('error', (err) => parser.destroy(err));
file.pipe(parser);
let credits = ahead;
let records = [];
let parsed = 0;
parentPort.on('message', () => {
  if (++credits === 1) parser.resume();
});
parser.on('data', (record) => {
  records.push(record);
  parsed++;
  if (records.length < batchRecords) return;
  parentPort.postMessage({ records, bytesRead: file.bytesRead, notUtf8 });
  records = [];
  if (--credits === 0) parser.pause();
});
parser.on('end', () => {
  if (carry) notUtf8 = true;
  parentPort.postMessage({ records, bytesRead: file.bytesRead, notUtf8, done: true });
  file.destroy();
});
parser.on('error', (err) => {
  const csv = err instanceof CsvError;
  parentPort.postMessage({ failed: {
    message: err instanceof Error ? err.message : String(err),
    csvCode: csv ? err.code : undefined,
    lines: csv && typeof err.lines === 'number' ? err.lines : undefined,
    // csv-parse's own count: records it parsed but had not handed over yet count too.
    recordsBefore: csv && typeof err.records === 'number' ? err.records : parsed,
  } });
  file.destroy();
});
`;

interface WorkerMessage extends Partial<CsvChunk> {
  done?: boolean;
  failed?: { message: string; csvCode?: string; lines?: number; recordsBefore: number };
}

let csvParsePath: string | undefined;
function resolveCsvParse(): string {
  csvParsePath ??= createRequire(import.meta.url).resolve('csv-parse');
  return csvParsePath;
}

/** Streams the records of the file at `path` parsed with `options`, `batchRecords` at a time. */
export async function* parseCsvInWorker(path: string, options: Options, batchRecords: number): AsyncGenerator<CsvChunk, void, undefined> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { csvParse: resolveCsvParse(), path, options, batchRecords, ahead: AHEAD },
  });
  for await (const m of messagesOf<WorkerMessage>(worker, 'CSV parser')) {
    if (m.failed) throw new CsvParseFailure(m.failed.message, m.failed.csvCode, m.failed.lines, m.failed.recordsBefore);
    if (!m.done) worker.postMessage(1);
    yield { records: m.records!, bytesRead: m.bytesRead!, notUtf8: m.notUtf8! };
    if (m.done) return;
  }
}
