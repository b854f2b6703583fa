/**
 * csv-parse on a worker thread (see csvRows.ts), with what follows the
 * parse: rows numbered as Excel shows them, blank ones skipped, and, for a
 * roster, the rows prepared for the INSERTs (preparedRows.ts). csv-parse is
 * imported here as in any module; in the app Electron reads it from the asar
 * in worker threads too (since Electron 18, electron/electron#33216).
 *
 * Records are taken from 'data' events, not an async iterator (a promise per
 * record); the parser is paused while the caller has no room for more
 * (credits, READER_AHEAD). The UTF-8 check sees each chunk before csv-parse
 * does, with Node's native isUtf8 (no decoding); a character split across
 * two chunks is carried over to the next.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { CsvError, parse, type Options } from 'csv-parse';
import { AppError } from '../errors.js';
import { cloneFailure, RowsOutput, type PrepareSpec, type RowsOut } from './preparedRows.js';
import { rosterErrors } from './rosterErrors.js';
import { isBlankRow, type ReaderCredit, type ReaderMessage, type SheetRow } from './sheetRows.js';

export interface CsvWorkerData {
  path: string;
  fileName: string;
  options: Options;
  /** Records parsed before they are handed on. */
  batchRecords: number;
  /** Messages the worker may post before the caller has taken them. */
  ahead: number;
  /** The Excel cell limit, for csv-parse's record size refusal. */
  maxCellLength: number;
  /** Prepare a roster's rows; absent, hand the rows over as text. */
  prepare: PrepareSpec | undefined;
}

const port = parentPort!;
const { path, fileName, options, batchRecords, ahead, maxCellLength, prepare } = workerData as CsvWorkerData;

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

const output = new RowsOutput(prepare);
let credits = ahead;
let records: string[][] = [];
let parsed = 0;
let rowNumber = 0;
let stopped = false;

function post(message: ReaderMessage): void {
  port.postMessage(message);
}

function stop(message: ReaderMessage): void {
  if (stopped) return;
  stopped = true;
  post(message);
  parser.pause();
  file.destroy();
}

/** The records parsed so far, numbered, as rows: every one came from bytes already checked, none of a file that is not UTF-8 is handed on. */
function handOn(): void {
  if (notUtf8) throw rosterErrors.csvEncoding(fileName, 'it holds bytes that are not UTF-8');
  const rows: SheetRow[] = [];
  for (const record of records) {
    rowNumber++;
    if (record.length === 1 && record[0] === '') continue;
    if (isBlankRow(record)) continue;
    rows.push({ rowNumber, cells: record });
  }
  records = [];
  send(output.add(rows));
}

function send(outs: RowsOut[]): void {
  for (const out of outs) {
    post({ out, progress: file.bytesRead });
    credits--;
  }
  if (output.finished) stop({ done: true, progress: file.bytesRead });
  else if (credits <= 0) parser.pause();
}

port.on('message', (_credit: ReaderCredit) => {
  if (++credits > 0 && !stopped) parser.resume();
});
parser.on('data', (record: string[]) => {
  if (stopped) return;
  records.push(record);
  parsed++;
  if (records.length < batchRecords) return;
  try {
    handOn();
  } catch (err) {
    stop({ failed: cloneFailure(err) });
  }
});
parser.on('end', () => {
  if (stopped) return;
  try {
    if (carry) notUtf8 = true;
    handOn();
    send(output.end());
    stop({ done: true, progress: file.bytesRead });
  } catch (err) {
    stop({ failed: cloneFailure(err) });
  }
});
parser.on('error', (err: unknown) => {
  if (err instanceof AppError || !(err instanceof CsvError)) {
    stop({ failed: cloneFailure(err instanceof AppError ? err : rosterErrors.unreadable(fileName, err instanceof Error ? err.message : String(err))) });
    return;
  }
  // csv-parse's own count: records it parsed but had not handed over yet count too.
  const recordsBefore = typeof err.records === 'number' ? err.records : parsed;
  const refusal =
    err.code === 'CSV_MAX_RECORD_SIZE'
      ? rosterErrors.cellTooLong(fileName, recordsBefore + 1, '', maxCellLength)
      : rosterErrors.csvMalformed(fileName, typeof err.lines === 'number' ? err.lines : recordsBefore + 1, err.message);
  stop({ failed: cloneFailure(refusal) });
});
