/**
 * csv-parse on a worker thread (see csvParseWorker.ts). csv-parse is
 * imported here as in any module; in the app Electron reads it from the
 * asar in worker threads too (since Electron 18, electron/electron#33216).
 *
 * Records are taken from 'data' events, not an async iterator (a promise per
 * record); the parser is paused while the caller has no room for a batch.
 * The UTF-8 check sees each chunk before csv-parse does, with Node's native
 * isUtf8 (no decoding); a character split across two chunks is carried over
 * to the next.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { CsvError, parse, type Options } from 'csv-parse';

export interface CsvWorkerData {
  path: string;
  options: Options;
  batchRecords: number;
  /** Batches the worker may post before the caller has taken them. */
  ahead: number;
}

export type CsvWorkerMessage =
  | { records: string[][]; bytesRead: number; notUtf8: boolean; done: boolean }
  | { failed: { message: string; csvCode: string | undefined; lines: number | undefined; recordsBefore: number } };

/** Posted by the caller each time it took a batch. */
export type CsvWorkerCredit = 1;

const port = parentPort!;
const { path, options, batchRecords, ahead } = workerData as CsvWorkerData;

/** Length of the prefix of data that ends on a whole character: steps back over at most 3 continuation bytes to the lead byte of the last character. */
function wholeChars(data: Buffer): number {
  const n = data.length;
  for (let back = 1; back <= 4 && n - back >= 0; back++) {
    const byte = data[n - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

function post(message: CsvWorkerMessage): void {
  port.postMessage(message);
}

const file = createReadStream(path, { highWaterMark: 256 * 1024 });
let carry: Buffer | null = null;
let notUtf8 = false;
file.on('data', (chunk: Buffer | string) => {
  if (notUtf8 || typeof chunk === 'string') return;
  const data = carry ? Buffer.concat([carry, chunk]) : chunk;
  const cut = wholeChars(data);
  carry = cut < data.length ? Buffer.from(data.subarray(cut)) : null;
  if (!isUtf8(data.subarray(0, cut))) notUtf8 = true;
});
const parser = parse(options);
file.on('error', (err) => parser.destroy(err));
file.pipe(parser);

let credits = ahead;
let records: string[][] = [];
let parsed = 0;
port.on('message', (_credit: CsvWorkerCredit) => {
  if (++credits === 1) parser.resume();
});
parser.on('data', (record: string[]) => {
  records.push(record);
  parsed++;
  if (records.length < batchRecords) return;
  post({ records, bytesRead: file.bytesRead, notUtf8, done: false });
  records = [];
  if (--credits === 0) parser.pause();
});
parser.on('end', () => {
  if (carry) notUtf8 = true;
  post({ records, bytesRead: file.bytesRead, notUtf8, done: true });
  file.destroy();
});
parser.on('error', (err: unknown) => {
  const csv = err instanceof CsvError;
  post({
    failed: {
      message: err instanceof Error ? err.message : String(err),
      csvCode: csv ? err.code : undefined,
      lines: csv && typeof err.lines === 'number' ? err.lines : undefined,
      // csv-parse's own count: records it parsed but had not handed over yet count too.
      recordsBefore: csv && typeof err.records === 'number' ? err.records : parsed,
    },
  });
  file.destroy();
});
