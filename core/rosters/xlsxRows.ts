import { once } from 'node:events';
import { AppError } from '../errors.js';
import { messagesOf } from '../workers/messages.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import type { RowSource, SheetRow } from './sheetRows.js';
import { XlsxPackage } from './xlsxPackage.js';
import startXlsxWorker from './xlsxRows.worker?nodeWorker';
import type { XlsxWorkerData, XlsxWorkerMessage, XlsxWorkerRequest } from './xlsxRows.worker.js';

/** Batches the worker may post before the caller has taken them: bounds memory to a few batches. */
const AHEAD = 4;
/** How long a worker asked to stop may take to close its file before it is terminated. */
const STOP_GRACE_MS = 2_000;

/**
 * The first worksheet of an .xlsx, read by our own streaming reader
 * (xlsxReader.ts: yauzl for the zip, saxes for the XML) on a worker thread
 * (xlsxRows.worker.ts). The package's parts are opened by name through the
 * zip directory, so the order they are stored in does not matter (exceljs's
 * streaming reader depended on it: "reading 'sheets'" when a sheet came
 * before workbook.xml, and a temp copy of the sheet when it came before the
 * shared strings). The zip-bomb checks, the date and formula rules are the
 * reader's; the cell and row limits are checked by the importer.
 */
export function xlsxRowSource(path: string, fileName: string, totalBytes: number, limits: RosterLimits): RowSource {
  let bytesRead = 0;
  return {
    totalBytes,
    bytesRead: () => bytesRead,
    async *batches() {
      // The zip directory's refusals (not a workbook, encrypted, a declared zip bomb) take milliseconds on this
      // thread, without starting a thread; the worker opens the package again for the parts.
      (await XlsxPackage.open(path, fileName, limits)).close();
      const worker = startXlsxWorker({ workerData: { path, fileName, limits, ahead: AHEAD } satisfies XlsxWorkerData });
      const request = (r: XlsxWorkerRequest) => worker.postMessage(r);
      const exited = once(worker, 'exit').catch(() => {});
      const messages = messagesOf<XlsxWorkerMessage>(worker, 'xlsx reader');
      let finished = false;
      try {
        for (;;) {
          const next = await messages.next();
          if (next.done) throw new Error('the xlsx reader stopped without finishing');
          const m = next.value;
          if ('failed' in m) {
            finished = true;
            const { code, message, params } = m.failed;
            throw code !== undefined ? new AppError(code, message, params) : rosterErrors.unreadable(fileName, message);
          }
          if (m.done) {
            finished = true;
            return;
          }
          request(1);
          bytesRead = Math.round(totalBytes * m.sheetFraction);
          yield m.rows satisfies SheetRow[];
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw rosterErrors.unreadable(fileName, err instanceof Error ? err.message : String(err));
      } finally {
        if (!finished) {
          // Cut short (a limit, or a failure in the importer): let the worker close the zip before it goes.
          request('stop');
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
        }
        await messages.return(undefined);
      }
    },
  };
}
