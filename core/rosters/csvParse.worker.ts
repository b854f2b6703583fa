/**
 * The CSV reader on a worker thread (see csvRows.ts): the file read in
 * chunks and split into records (csvSplitter.ts: papaparse's Parser), then
 * the rows numbered as Excel shows them, blank ones skipped, and, for a
 * roster, prepared for the INSERTs (preparedRows.ts). Papaparse splits a
 * 1,000,000-row file in about a third of the time csv-parse took
 * (bench/roster.ts prints both beside the import).
 *
 * The file is paused while the caller has no room for more (credits,
 * READER_AHEAD): at most `ahead` messages and one chunk's rows wait.
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { BULK_WORK_NICENESS, setThreadNiceness } from '../workers/threadPriority.js';
import { CsvSplitter, type CsvSplitterOptions } from './csvSplitter.js';
import { cloneFailure, RowsOutput, type PrepareSpec, type RowsOut } from './preparedRows.js';
import { rosterErrors } from './rosterErrors.js';
import { isBlankRow, type ReaderCredit, type ReaderMessage, type SheetRow } from './sheetRows.js';

export interface CsvWorkerData extends CsvSplitterOptions {
  path: string;
  /** Bytes read at a time (CSV_CHUNK_BYTES). */
  chunkBytes: number;
  /** Messages the worker may post before the caller has taken them. */
  ahead: number;
  /** Prepare a roster's rows; absent, hand the rows over as text. */
  prepare: PrepareSpec | undefined;
}

const port = parentPort!;
// Bulk work: calls and the window's requests come first (threadPriority.ts).
setThreadNiceness(BULK_WORK_NICENESS);
const { path, fileName, chunkBytes, ahead, prepare } = workerData as CsvWorkerData;

const file = createReadStream(path, { highWaterMark: chunkBytes });
const splitter = new CsvSplitter(workerData as CsvWorkerData);
const output = new RowsOutput(prepare);
let rowNumber = 0;
let credits = ahead;
let stopped = false;

function post(message: ReaderMessage): void {
  port.postMessage(message);
}

function stop(message: ReaderMessage): void {
  if (stopped) return;
  stopped = true;
  post(message);
  file.destroy();
}

/** Numbers the records as the spreadsheet's rows, skips blank ones, and hands the rest on. */
function handOn(records: string[][]): void {
  const rows: SheetRow[] = [];
  for (const record of records) {
    rowNumber++;
    if (isBlankRow(record)) continue;
    rows.push({ rowNumber, cells: record });
  }
  send(output.add(rows));
}

function send(outs: RowsOut[]): void {
  for (const out of outs) {
    post({ out, progress: file.bytesRead });
    credits--;
  }
  if (output.finished) stop({ done: true, progress: file.bytesRead });
  else if (credits <= 0) file.pause();
}

port.on('message', (_credit: ReaderCredit) => {
  if (++credits > 0 && !stopped) file.resume();
});
file.on('data', (chunk: Buffer | string) => {
  if (stopped) return;
  try {
    handOn(splitter.push(chunk as Buffer));
  } catch (err) {
    stop({ failed: cloneFailure(err) });
  }
});
file.on('end', () => {
  if (stopped) return;
  try {
    handOn(splitter.end());
    send(output.end());
    stop({ done: true, progress: file.bytesRead });
  } catch (err) {
    stop({ failed: cloneFailure(err) });
  }
});
file.on('error', (err) => {
  stop({ failed: cloneFailure(rosterErrors.unreadable(fileName, err.message)) });
});
