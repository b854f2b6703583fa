/**
 * The CSV reader on a worker thread (see csvRows.ts), with what follows the
 * parse: rows numbered as Excel shows them, blank ones skipped, and, for a
 * roster, the rows prepared for the INSERTs (preparedRows.ts).
 *
 * The bytes are checked and decoded by one fatal TextDecoder (UTF-8 or a
 * refusal; it drops a BOM and carries a character split across two chunks
 * over to the next), then split into records by papaparse's core Parser
 * (RFC 4180 quoting), fed chunk by chunk the way papaparse's own streamer
 * feeds it: each call parses what is pending and leaves the last, possibly
 * unfinished, record for the next. Papaparse splits a 1,000,000-row file in
 * about half the time csv-parse took (bench/roster.ts prints csv-parse beside
 * the import), and the parse is a large share of a CSV import's work.
 *
 * What papaparse leaves to its caller is done here:
 *   - an unfinished record longer than any row could be (an unclosed quote
 *     swallowing the file) is refused once it passes `maxRecordChars`,
 *     instead of being held in memory to the end;
 *   - papaparse reports a malformed quote and goes on; the first one refuses
 *     the file, naming its row.
 * Quote marks inside an unquoted field (12") are text, as Excel writes them.
 *
 * The file is paused while the caller has no room for more (credits,
 * READER_AHEAD): at most `ahead` messages and one chunk's rows wait.
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { BULK_WORK_NICENESS, setThreadNiceness } from '../workers/threadPriority.js';
import Papa from 'papaparse';
import type { CsvNewline } from './csvRows.js';
import { cloneFailure, RowsOutput, type PrepareSpec, type RowsOut } from './preparedRows.js';
import { rosterErrors } from './rosterErrors.js';
import { isBlankRow, type ReaderCredit, type ReaderMessage, type SheetRow } from './sheetRows.js';

export interface CsvWorkerData {
  path: string;
  fileName: string;
  delimiter: ',' | ';';
  /** The line break of the header line (csvRows.ts): papaparse's Parser takes one, as Excel writes one. */
  newline: CsvNewline;
  /** Bytes read at a time (CSV_CHUNK_BYTES). */
  chunkBytes: number;
  /** Messages the worker may post before the caller has taken them. */
  ahead: number;
  /** The Excel cell limit: the exact check is the preparer's; here it bounds an unfinished record. */
  maxCellLength: number;
  /** Prepare a roster's rows; absent, hand the rows over as text. */
  prepare: PrepareSpec | undefined;
}

const port = parentPort!;
// Bulk work: calls and the window's requests come first (threadPriority.ts).
setThreadNiceness(BULK_WORK_NICENESS);
const { path, fileName, delimiter, newline, chunkBytes, ahead, maxCellLength, prepare } = workerData as CsvWorkerData;

/** Characters an unfinished record may reach before the file is refused: a memory guard, far above a real row. */
const maxRecordChars = maxCellLength * 4 + 1024;

const file = createReadStream(path, { highWaterMark: chunkBytes });
const decoder = new TextDecoder('utf-8', { fatal: true });
const parser = new Papa.Parser({ delimiter, newline, quoteChar: '"', escapeChar: '"' });
const output = new RowsOutput(prepare);
/** Decoded text not yet split: the start of a record whose end has not been read. */
let pending = '';
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

function decode(chunk?: Buffer): string {
  try {
    return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
  } catch {
    throw rosterErrors.csvEncoding(fileName, 'it holds bytes that are not UTF-8');
  }
}

/** Splits what is pending into records and hands them on; `last`: the file has ended, the final record counts too. */
function split(text: string, last: boolean): void {
  const input = pending + text;
  const results = parser.parse(input, 0, !last);
  const error = results.errors[0];
  if (error) throw rosterErrors.csvMalformed(fileName, rowNumber + (error.row ?? 0) + 1, error.message);
  pending = last ? '' : input.slice(results.meta.cursor);
  const records = results.data as string[][];
  if (pending.length > maxRecordChars) throw rosterErrors.cellTooLong(fileName, rowNumber + records.length + 1, '', maxCellLength);
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
    split(decode(chunk as Buffer), false);
  } catch (err) {
    stop({ failed: cloneFailure(err) });
  }
});
file.on('end', () => {
  if (stopped) return;
  try {
    split(decode(), true);
    send(output.end());
    stop({ done: true, progress: file.bytesRead });
  } catch (err) {
    stop({ failed: cloneFailure(err) });
  }
});
file.on('error', (err) => {
  stop({ failed: cloneFailure(rosterErrors.unreadable(fileName, err.message)) });
});
