/**
 * The .xlsx reader (xlsxReader.ts) on a worker thread (see xlsxRows.ts):
 * unzipping and parsing the XML are nearly all of an xlsx import's work, so
 * they run beside the SQLite writes of the rows before, and never on the
 * core's main thread; for a roster, the rows are prepared for the INSERTs
 * here too (preparedRows.ts).
 *
 * Paced by credits: the worker goes on reading only while it holds one, so
 * at most READER_AHEAD messages (and one read batch) wait in memory. An
 * import cut short terminates the worker; Node closes the file descriptors a
 * terminated worker left open (xlsxReader.test.ts checks that none is left).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BULK_WORK_NICENESS, setThreadNiceness } from '../workers/threadPriority.js';
import { cloneFailure, RowsOutput, type PrepareSpec, type RowsOut } from './preparedRows.js';
import type { RosterLimits } from './rosterLimits.js';
import type { ReaderCredit, ReaderMessage } from './sheetRows.js';
import { readXlsxRows } from './xlsxReader.js';

export interface XlsxWorkerData {
  path: string;
  fileName: string;
  limits: RosterLimits;
  /** Messages the worker may post before the caller has taken them. */
  ahead: number;
  /** Prepare a roster's rows; absent, hand the rows over as text. */
  prepare: PrepareSpec | undefined;
}

const port = parentPort!;
// Bulk work: calls and the window's requests come first (threadPriority.ts).
setThreadNiceness(BULK_WORK_NICENESS);
const { path, fileName, limits, ahead, prepare } = workerData as XlsxWorkerData;

function post(message: ReaderMessage): void {
  port.postMessage(message);
}

const output = new RowsOutput(prepare);
let credits = ahead;
let wake: (() => void) | undefined;

port.on('message', (_credit: ReaderCredit) => {
  credits++;
  wake?.();
  wake = undefined;
});

function send(outs: RowsOut[], progress: number): void {
  for (const out of outs) {
    post({ out, progress });
    credits--;
  }
}

async function run(): Promise<void> {
  try {
    let progress = 0;
    for await (const batch of readXlsxRows(path, fileName, limits)) {
      progress = batch.sheetFraction;
      send(output.add(batch.rows), progress);
      if (output.finished) break;
      while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
    }
    send(output.end(), 1);
    post({ done: true, progress: 1 });
  } catch (err) {
    post({ failed: cloneFailure(err) });
  }
}

void run();
