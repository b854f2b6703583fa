import { createReadStream } from 'node:fs';
import ExcelJS from 'exceljs';
import { AppError } from '../errors.js';
import { cellText } from './cellText.js';
import { inspectXlsx } from './inspectXlsx.js';
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
 * date from a number. The zip is checked first (inspectXlsx): not a workbook,
 * password-protected, or a zip bomb are refused before any parsing.
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
      await inspectXlsx(path, fileName, limits);
      file = createReadStream(path, { highWaterMark: 256 * 1024 });
      const workbook = new ExcelJS.stream.xlsx.WorkbookReader(file, {
        worksheets: 'emit',
        sharedStrings: 'cache',
        styles: 'cache',
        hyperlinks: 'ignore',
        entries: 'ignore',
      });
      try {
        for await (const sheet of workbook) {
          if (!isFirstTab(workbook, sheet)) continue;
          let batch: SheetRow[] = [];
          for await (const row of sheet) {
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
          if (batch.length > 0) yield batch;
          return;
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw rosterErrors.unreadable(fileName, err instanceof Error ? err.message : String(err));
      } finally {
        file.destroy();
      }
    },
  };
}

function isFirstTab(workbook: unknown, sheet: unknown): boolean {
  const sheets = (workbook as { model?: { sheets?: SheetEntry[] } }).model?.sheets;
  if (!sheets || sheets.length === 0) return true;
  const first = sheets.find((s) => s.state !== 'hidden' && s.state !== 'veryHidden') ?? sheets[0]!;
  const name = (sheet as { name?: string }).name;
  return name === undefined || name === first.name;
}
