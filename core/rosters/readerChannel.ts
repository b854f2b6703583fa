/**
 * The worker side of a roster reader (csvParse.worker.ts, xlsxRows.worker.ts):
 * what both readers are started with, and the channel back to the caller
 * (workerRowSource in sheetRows.ts). The channel posts each batch with the
 * reader's progress and counts the credits the caller returns: a reader goes
 * on only while `hasCredit`, so at most `ahead` messages wait (READER_AHEAD).
 * Opening it lowers the thread to bulk-work priority, so calls and the
 * window's requests come first (threadPriority.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BULK_WORK_NICENESS, setThreadNiceness } from '../workers/threadPriority.js';
import { cloneFailure, RowsOutput, type PrepareSpec, type RowsOut } from './preparedRows.js';
import type { ReaderCredit, ReaderMessage } from './sheetRows.js';

export interface ReaderWorkerData {
  path: string;
  /** The name the user knows the file by, for messages. */
  fileName: string;
  /** Messages the worker may post before the caller has taken them. */
  ahead: number;
  /** Prepare a roster's rows; absent, hand the rows over as text. */
  prepare: PrepareSpec | undefined;
}

export class ReaderChannel<D extends ReaderWorkerData> {
  readonly data = workerData as D;
  /** The rows read so far, turned into what is posted (preparedRows.ts). */
  readonly output = new RowsOutput(this.data.prepare);
  private readonly port = parentPort!;
  private credits = this.data.ahead;

  /** `onCredit` runs each time the caller took a message and returned its credit. */
  constructor(onCredit: () => void) {
    setThreadNiceness(BULK_WORK_NICENESS);
    this.port.on('message', (_credit: ReaderCredit) => {
      this.credits++;
      onCredit();
    });
  }

  get hasCredit(): boolean {
    return this.credits > 0;
  }

  send(outs: RowsOut[], progress: number): void {
    for (const out of outs) {
      this.post({ out, progress });
      this.credits--;
    }
  }

  done(progress: number): void {
    this.post({ done: true, progress });
  }

  failed(err: unknown): void {
    this.post({ failed: cloneFailure(err) });
  }

  private post(message: ReaderMessage): void {
    this.port.postMessage(message);
  }
}
