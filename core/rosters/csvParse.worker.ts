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
import { CsvSplitter, type CsvSplitterOptions } from './csvSplitter.js';
import type { RowsOut } from './preparedRows.js';
import { ReaderChannel, type ReaderWorkerData } from './readerChannel.js';
import { rosterErrors } from './rosterErrors.js';
import { isBlankRow, type SheetRow } from './sheetRows.js';

export interface CsvWorkerData extends CsvSplitterOptions, ReaderWorkerData {
  /** Bytes read at a time (CSV_CHUNK_BYTES). */
  chunkBytes: number;
}

const channel = new ReaderChannel<CsvWorkerData>(() => {
  if (channel.hasCredit && !stopped) file.resume();
});
const { path, fileName, chunkBytes } = channel.data;
const file = createReadStream(path, { highWaterMark: chunkBytes });
const splitter = new CsvSplitter(channel.data);
let rowNumber = 0;
let stopped = false;

function stop(end: () => void): void {
  if (stopped) return;
  stopped = true;
  end();
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
  send(channel.output.add(rows));
}

function send(outs: RowsOut[]): void {
  channel.send(outs, file.bytesRead);
  if (channel.output.finished) stop(() => channel.done(file.bytesRead));
  else if (!channel.hasCredit) file.pause();
}

file.on('data', (chunk: Buffer | string) => {
  if (stopped) return;
  try {
    handOn(splitter.push(chunk as Buffer));
  } catch (err) {
    stop(() => channel.failed(err));
  }
});
file.on('end', () => {
  if (stopped) return;
  try {
    handOn(splitter.end());
    send(channel.output.end());
    stop(() => channel.done(file.bytesRead));
  } catch (err) {
    stop(() => channel.failed(err));
  }
});
file.on('error', (err) => {
  stop(() => channel.failed(rosterErrors.unreadable(fileName, err.message)));
});
