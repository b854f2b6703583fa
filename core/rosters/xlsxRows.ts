import { AppError } from '../errors.js';
import { messagesOf } from '../workers/messages.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import type { RowSource, SheetRow } from './sheetRows.js';
import { XlsxPackage } from './xlsxPackage.js';
import startXlsxWorker from './xlsxRows.worker?nodeWorker';
import type { XlsxWorkerData, XlsxWorkerMessage, XlsxWorkerCredit } from './xlsxRows.worker.js';

/** Batches (of 500 rows, xlsxReader.ts) the worker may post before the caller has taken them: bounds memory to a few thousand rows. */
const AHEAD = 8;

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
      const credit = (n: XlsxWorkerCredit) => worker.postMessage(n);
      try {
        // Leaving the loop early (a limit, a failure in the importer) terminates the worker, which closes its file.
        for await (const m of messagesOf<XlsxWorkerMessage>(worker, 'xlsx reader')) {
          if ('failed' in m) {
            const { code, message, params } = m.failed;
            throw code !== undefined ? AppError.of({ code, message, ...(params ? { params } : {}) }) : rosterErrors.unreadable(fileName, message);
          }
          if (m.done) return;
          credit(1);
          bytesRead = Math.round(totalBytes * m.sheetFraction);
          yield m.rows satisfies SheetRow[];
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw rosterErrors.unreadable(fileName, err instanceof Error ? err.message : String(err));
      }
    },
  };
}
