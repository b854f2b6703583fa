import type { RosterLimits } from './rosterLimits.js';
import { READER_AHEAD, workerRowSource, type RowSource } from './sheetRows.js';
import { XlsxPackage } from './xlsxPackage.js';
import startXlsxWorker from './xlsxRows.worker?nodeWorker';
import type { XlsxWorkerData } from './xlsxRows.worker.js';

/**
 * The first worksheet of an .xlsx, read by our own streaming reader
 * (xlsxReader.ts: yauzl for the zip, saxes for the XML) on a worker thread
 * (xlsxRows.worker.ts). The package's parts are opened by name through the
 * zip directory, so the order they are stored in does not matter (exceljs's
 * streaming reader depended on it: "reading 'sheets'" when a sheet came
 * before workbook.xml, and a temp copy of the sheet when it came before the
 * shared strings). The zip-bomb checks, the date and formula rules are the
 * reader's; the cell and row limits are checked as the rows are prepared.
 */
export function xlsxRowSource(path: string, fileName: string, totalBytes: number, limits: RosterLimits): RowSource {
  return workerRowSource(
    fileName,
    totalBytes,
    'xlsx reader',
    async (prepare) => {
      // The zip directory's refusals (not a workbook, encrypted, a declared zip bomb) take milliseconds on this
      // thread, without starting a thread; the worker opens the package again for the parts.
      (await XlsxPackage.open(path, fileName, limits)).close();
      return startXlsxWorker({ workerData: { path, fileName, limits, ahead: READER_AHEAD, prepare } satisfies XlsxWorkerData });
    },
    (sheetFraction) => Math.round(totalBytes * sheetFraction),
  );
}
