import type { Options } from 'csv-parse';
import { messagesOf } from '../workers/messages.js';
import startCsvWorker from './csvParse.worker?nodeWorker';
import type { CsvWorkerCredit, CsvWorkerData, CsvWorkerMessage } from './csvParse.worker.js';

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

/** Streams the records of the file at `path` parsed with `options`, `batchRecords` at a time (the worker: csvParse.worker.ts). */
export async function* parseCsvInWorker(path: string, options: Options, batchRecords: number): AsyncGenerator<CsvChunk, void, undefined> {
  const worker = startCsvWorker({ workerData: { path, options, batchRecords, ahead: AHEAD } satisfies CsvWorkerData });
  const credit = (n: CsvWorkerCredit) => worker.postMessage(n);
  for await (const m of messagesOf<CsvWorkerMessage>(worker, 'CSV parser')) {
    if ('failed' in m) throw new CsvParseFailure(m.failed.message, m.failed.csvCode, m.failed.lines, m.failed.recordsBefore);
    if (!m.done) credit(1);
    yield { records: m.records, bytesRead: m.bytesRead, notUtf8: m.notUtf8 };
    if (m.done) return;
  }
}
