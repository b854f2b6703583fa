import type { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';
import { messagesOf } from '../workers/messages.js';
import type { ClonedFailure, PreparedBatch, PrepareSpec, RosterHeader, RowsOut } from './preparedRows.js';
import { rosterErrors } from './rosterErrors.js';

/** One row of the first sheet, as text, numbered as the spreadsheet shows it (the first row is 1). */
export interface SheetRow {
  rowNumber: number;
  cells: string[];
}

/**
 * A roster file read on a worker thread, in file order, skipping rows with
 * nothing in them (Excel keeps formatted empty rows; people leave blank
 * lines). `batches()` yields the rows as text, a few thousand at a time, the
 * first one the header (the do-not-call list's import); `prepared()` yields
 * the roster's header, then its rows prepared for the INSERTs on the same
 * worker thread (preparedRows.ts). `bytesRead()` is how much of the file has
 * been consumed, for progress.
 */
export interface RowSource {
  readonly totalBytes: number;
  bytesRead(): number;
  batches(): AsyncGenerator<SheetRow[], void, undefined>;
  prepared(spec: PrepareSpec): AsyncGenerator<{ header: RosterHeader } | { prepared: PreparedBatch }, void, undefined>;
}


export function isBlankRow(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
}

/** What a reader's worker posts: what it read, with how far into the file it is (its own unit); the end; or why it stopped. */
export type ReaderMessage = { out: RowsOut; progress: number } | { done: true; progress: number } | { failed: ClonedFailure };

/** Posted by the caller each time it took a message. */
export type ReaderCredit = 1;

/**
 * Messages a reader may post before the caller has taken them: with
 * prepared batches of 500 rows (~75 KB each), 8,000 rows wait at most, so
 * memory stays flat whether the writer or the reader is the slower
 * (backpressure), while the reader can go on through a request or two that
 * hold the core host's thread (6 messages left it waiting: bench/host.ts).
 */
export const READER_AHEAD = 16;

/**
 * A RowSource over a reader's worker thread. `start(prepare)` starts the
 * worker; `progress` turns a message's progress into bytes of the file.
 */
export function workerRowSource(
  fileName: string,
  totalBytes: number,
  what: string,
  start: (prepare: PrepareSpec | undefined) => Promise<Worker>,
  progressBytes: (progress: number) => number,
): RowSource {
  let bytesRead = 0;
  async function* read(prepare: PrepareSpec | undefined): AsyncGenerator<RowsOut, void, undefined> {
    const worker = await start(prepare);
    try {
      // Leaving the loop early (a limit, a failure in the importer) terminates the worker, which closes its file.
      for await (const m of messagesOf<ReaderMessage>(worker, what)) {
        if ('failed' in m) {
          const { code, message, params } = m.failed;
          throw code !== undefined ? AppError.of({ code, message, ...(params ? { params } : {}) }) : rosterErrors.unreadable(fileName, message);
        }
        bytesRead = Math.min(totalBytes, progressBytes(m.progress));
        if ('done' in m) return;
        worker.postMessage(1 satisfies ReaderCredit);
        yield m.out;
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw rosterErrors.unreadable(fileName, err instanceof Error ? err.message : String(err));
    }
  }
  return {
    totalBytes,
    bytesRead: () => bytesRead,
    async *batches() {
      for await (const out of read(undefined)) if ('rows' in out) yield out.rows;
    },
    async *prepared(spec) {
      for await (const out of read(spec)) if (!('rows' in out)) yield out;
    },
  };
}
