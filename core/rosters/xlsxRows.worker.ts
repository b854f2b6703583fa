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
import { ReaderChannel, type ReaderWorkerData } from './readerChannel.js';
import type { RosterLimits } from './rosterLimits.js';
import { readXlsxRows } from './xlsxReader.js';

export interface XlsxWorkerData extends ReaderWorkerData {
  limits: RosterLimits;
}

let wake: (() => void) | undefined;
const channel = new ReaderChannel<XlsxWorkerData>(() => {
  wake?.();
  wake = undefined;
});
const { path, fileName, limits } = channel.data;

async function run(): Promise<void> {
  try {
    for await (const batch of readXlsxRows(path, fileName, limits)) {
      channel.send(channel.output.add(batch.rows), batch.sheetFraction);
      if (channel.output.finished) break;
      while (!channel.hasCredit) await new Promise<void>((resolve) => (wake = resolve));
    }
    channel.send(channel.output.end(), 1);
    channel.done(1);
  } catch (err) {
    channel.failed(err);
  }
}

void run();
