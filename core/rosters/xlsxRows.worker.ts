/**
 * The .xlsx reader (xlsxReader.ts) on a worker thread (see xlsxRows.ts):
 * unzipping and parsing the XML are nearly all of an xlsx import's work, so
 * they run beside the phone normalising and the SQLite writes of the rows
 * before, and never on the core's main thread.
 *
 * Paced by credits: the worker posts a batch only while it holds one, so at
 * most `ahead` batches wait in memory. An import cut short terminates the
 * worker; Node closes the file descriptors a terminated worker left open
 * (xlsxReader.test.ts checks that none is left).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../errors.js';
import type { RosterLimits } from './rosterLimits.js';
import type { SheetRow } from './sheetRows.js';
import { readXlsxRows } from './xlsxReader.js';

export interface XlsxWorkerData {
  path: string;
  fileName: string;
  limits: RosterLimits;
  /** Batches the worker may post before the caller has taken them. */
  ahead: number;
}

export type XlsxWorkerMessage =
  | { rows: SheetRow[]; sheetFraction: number; done: false }
  | { done: true }
  | { failed: { code: string | undefined; message: string; params: Record<string, string | number> | undefined } };

/** Posted by the caller each time it took a batch. */
export type XlsxWorkerCredit = 1;

const port = parentPort!;
const { path, fileName, limits, ahead } = workerData as XlsxWorkerData;

function post(message: XlsxWorkerMessage): void {
  port.postMessage(message);
}

const batches = readXlsxRows(path, fileName, limits);
let credits = ahead;
let wake: (() => void) | undefined;

port.on('message', (_credit: XlsxWorkerCredit) => {
  credits++;
  wake?.();
  wake = undefined;
});

async function run(): Promise<void> {
  try {
    for (;;) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      const next = await batches.next();
      if (next.done) {
        post({ done: true });
        break;
      }
      credits--;
      post({ rows: next.value.rows, sheetFraction: next.value.sheetFraction, done: false });
    }
  } catch (err) {
    post({
      failed:
        err instanceof AppError
          ? { code: err.code, message: err.message, params: err.params }
          : { code: undefined, message: err instanceof Error ? err.message : String(err), params: undefined },
    });
  }
}

void run();
