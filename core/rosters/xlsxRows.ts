import { createReadStream } from 'node:fs';
import ExcelJS from 'exceljs';
import { AppError } from '../errors.js';
import { cellText } from './cellText.js';
import { checkXlsxDirectory } from './inspectXlsx.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import { READ_BATCH_ROWS, isBlankRow, type RowSource, type SheetRow } from './sheetRows.js';

interface SheetEntry {
  name?: string;
  state?: string;
}

/**
 * The first worksheet of an .xlsx, streamed with exceljs's WorkbookReader:
 * the workbook is never loaded whole, rows are parsed as the zip is inflated
 * (a sheet stored before the shared strings is spooled to a temp file by
 * exceljs, still row by row). Styles are read because they are what tells a
 * date from a number. The zip directory is checked first (checkXlsxDirectory):
 * not a workbook, password-protected, or a declared zip bomb are refused
 * before any parsing; the count of the bytes actually inflated runs beside
 * the parse, ahead of it, and stops it when a part holds more than declared.
 *
 * "First" is the first visible tab in workbook.xml, which is not always
 * sheet1.xml nor the first sheet stored in the zip.
 */
export function xlsxRowSource(path: string, fileName: string, totalBytes: number, limits: RosterLimits): RowSource {
  let file: ReturnType<typeof createReadStream> | undefined;
  return {
    totalBytes,
    bytesRead: () => file?.bytesRead ?? 0,
    async *batches() {
      const inflation = await checkXlsxDirectory(path, fileName, limits);
      // Whichever fails first ends the import: a bomb of blank XML gives exceljs no row to stop at.
      const guarded = failFast(inflation.done);
      file = createReadStream(path, { highWaterMark: 256 * 1024 });
      const workbook = new ExcelJS.stream.xlsx.WorkbookReader(file, {
        worksheets: 'emit',
        sharedStrings: 'cache',
        styles: 'cache',
        hyperlinks: 'ignore',
        entries: 'ignore',
      });
      let finished = false;
      try {
        const sheets = workbook[Symbol.asyncIterator]();
        for (let s = await guarded(sheets.next()); !s.done; s = await guarded(sheets.next())) {
          const sheet = s.value;
          if (!isFirstTab(workbook, sheet)) continue;
          let batch: SheetRow[] = [];
          const rows = sheet[Symbol.asyncIterator]();
          for (let r = await guarded(rows.next()); !r.done; r = await guarded(rows.next())) {
            const row = r.value;
            const values = row.values as unknown[];
            // values[0] is always empty (exceljs columns are 1-based); a far-right cell makes a long sparse array.
            if (values.length - 1 > limits.maxColumns) throw rosterErrors.tooManyColumns(fileName, values.length - 1, limits.maxColumns);
            const cells = new Array<string>(Math.max(0, values.length - 1));
            for (let i = 1; i < values.length; i++) cells[i - 1] = cellText(values[i]);
            if (isBlankRow(cells)) continue;
            batch.push({ rowNumber: row.number, cells });
            if (batch.length >= READ_BATCH_ROWS) {
              yield batch;
              batch = [];
            }
          }
          // The last rows are handed over only once the whole package is known to be safe.
          await inflation.done;
          if (batch.length > 0) yield batch;
          finished = true;
          return;
        }
        await inflation.done;
        finished = true;
      } catch (err) {
        // A bomb or a damaged part often makes the XML parser fail first: the count's failure is the real cause.
        await inflation.done;
        if (err instanceof AppError) throw err;
        throw rosterErrors.unreadable(fileName, err instanceof Error ? err.message : String(err));
      } finally {
        if (!finished) inflation.stop();
        file.destroy();
      }
    },
  };
}

/**
 * Makes each awaited step of the parse settle with the step's own result or
 * with `done`'s failure, whichever comes first. Racing every step against
 * one long-lived promise (Promise.race) would leave a reaction on that
 * promise per step, and it never settles when the package is safe: a
 * 100,000-row sheet kept ~150 MB alive that way. Here only the step being
 * awaited can be rejected by the failure.
 */
function failFast(done: Promise<void>): <T>(step: Promise<T>) => Promise<T> {
  let failure: { error: unknown } | undefined;
  let rejectStep: ((error: unknown) => void) | undefined;
  done.catch((error: unknown) => {
    failure = { error };
    rejectStep?.(error);
  });
  return <T>(step: Promise<T>) => {
    if (failure) return Promise.reject(failure.error as Error);
    return new Promise<T>((resolve, reject) => {
      rejectStep = reject;
      step.then(resolve, reject);
    });
  };
}

function isFirstTab(workbook: unknown, sheet: unknown): boolean {
  const sheets = (workbook as { model?: { sheets?: SheetEntry[] } }).model?.sheets;
  if (!sheets || sheets.length === 0) return true;
  const first = sheets.find((s) => s.state !== 'hidden' && s.state !== 'veryHidden') ?? sheets[0]!;
  const name = (sheet as { name?: string }).name;
  return name === undefined || name === first.name;
}
