import { AppError } from '../errors.js';

/**
 * Why a file cannot be imported as a roster. Each code is stable (the UI
 * translates it with the params); the English message says what is wrong and
 * what to do about it.
 */

const ACCEPTED = 'Excel workbooks (.xlsx) and CSV files (.csv)';

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(0);
}

export const rosterErrors = {
  unsupportedFormat: (fileName: string, extension: string) =>
    new AppError(
      'roster.unsupportedFormat',
      `"${fileName}" is a ${extension ? `.${extension}` : 'file without extension'}; rosters can be ${ACCEPTED}. Open it in Excel and save it as Excel Workbook (.xlsx) or CSV UTF-8.`,
      { fileName, extension, accepted: '.xlsx, .csv' },
    ),

  notSpreadsheet: (fileName: string, what: string) =>
    new AppError(
      'roster.notSpreadsheet',
      `"${fileName}" is not a spreadsheet (${what}). Rosters can be ${ACCEPTED}: open the roster in Excel and save it as Excel Workbook (.xlsx) or CSV UTF-8.`,
      { fileName, what, accepted: '.xlsx, .csv' },
    ),

  legacyXls: (fileName: string) =>
    new AppError(
      'roster.legacyXls',
      `"${fileName}" is an old Excel 97-2003 workbook (.xls), which cannot be read. Open it in Excel and save it as Excel Workbook (.xlsx) or CSV UTF-8.`,
      { fileName },
    ),

  passwordProtected: (fileName: string) =>
    new AppError(
      'roster.passwordProtected',
      `The workbook "${fileName}" is password-protected: remove the password in Excel (File > Info > Protect Workbook > Encrypt with Password, clear it) and save again.`,
      { fileName },
    ),

  unsafeArchive: (fileName: string, uncompressedBytes: number) =>
    new AppError(
      'roster.unsafeArchive',
      `"${fileName}" would expand to ${megabytes(uncompressedBytes)} MB or more when opened, far more than any roster needs; it is damaged or built to exhaust memory (a "zip bomb"). Open it in Excel and save it again, or save it as CSV UTF-8.`,
      { fileName, uncompressedMb: megabytes(uncompressedBytes) },
    ),

  /** The zip directory understated a part's size (found by inflating it): only a damaged or hostile file does that. */
  archiveSizeLie: (fileName: string, part: string) =>
    new AppError(
      'roster.unsafeArchive',
      `"${fileName}" holds more data in ${part} than its zip directory declares; it is damaged or built to exhaust memory (a "zip bomb"). Open it in Excel and save it again, or save it as CSV UTF-8.`,
      { fileName, part },
    ),

  missing: (fileName: string) =>
    new AppError('roster.missing', `"${fileName}" cannot be opened: it was moved, deleted or is not readable. Choose the file again.`, { fileName }),

  unreadable: (fileName: string, detail: string) =>
    new AppError(
      'roster.unreadable',
      `"${fileName}" could not be read (${detail}). Open it in Excel and save it again as Excel Workbook (.xlsx) or CSV UTF-8.`,
      { fileName, detail },
    ),

  csvEncoding: (fileName: string, found: string) =>
    new AppError(
      'roster.csvEncoding',
      `"${fileName}" is not UTF-8 text (${found}), so names would be garbled. In Excel, choose File > Save As > "CSV UTF-8 (Comma delimited)" and import that file.`,
      { fileName, found },
    ),

  csvMalformed: (fileName: string, line: number, detail: string) =>
    new AppError(
      'roster.csvMalformed',
      `"${fileName}" is not valid CSV near line ${line} (${detail}). Check that line for a stray quote mark, or open the file in Excel and save it as CSV UTF-8 again.`,
      { fileName, line, detail },
    ),

  empty: (fileName: string) =>
    new AppError('roster.empty', `"${fileName}" has no rows at all. Choose the roster file that holds the phone numbers.`, { fileName }),

  noDataRows: (fileName: string, headers: string[]) =>
    new AppError(
      'roster.noDataRows',
      `"${fileName}" has a header row (${headers.join(', ')}) but no rows below it. Add the phone numbers under the header and import it again.`,
      { fileName, headers: headers.join(', ') },
    ),

  tooManyRows: (fileName: string, maxRows: number) =>
    new AppError(
      'roster.tooManyRows',
      `"${fileName}" has more than ${maxRows.toLocaleString('en')} rows, the most one roster can hold. Split it into several rosters.`,
      { fileName, maxRows },
    ),

  tooManyColumns: (fileName: string, columns: number, maxColumns: number) =>
    new AppError(
      'roster.tooManyColumns',
      `"${fileName}" has ${columns} columns; a roster can have at most ${maxColumns}. Delete the columns the calls and SMS do not need and import it again.`,
      { fileName, columns, maxColumns },
    ),

  cellTooLong: (fileName: string, rowNumber: number, column: string, maxCellLength: number) =>
    new AppError(
      'roster.cellTooLong',
      `Row ${rowNumber}${column ? `, column "${column}"` : ''} of "${fileName}" holds more than ${maxCellLength.toLocaleString('en')} characters, more than Excel itself allows. Shorten that cell and import again.`,
      { fileName, rowNumber, column, maxCellLength },
    ),

  unknownColumn: (column: string, headers: string[]) =>
    new AppError(
      'roster.unknownColumn',
      `The roster has no column named "${column}". Choose one of: ${headers.join(', ')}.`,
      { column, headers: headers.join(', ') },
    ),

  notFound: (id: number) => new AppError('roster.notFound', `Roster ${id} does not exist (it may have been removed). Refresh the list.`, { id }),

  notStaged: (id: number) =>
    new AppError('roster.notStaged', `Roster ${id} has already been confirmed or discarded. Refresh the list.`, { id }),

  noValidRows: (name: string, invalidCount: number, duplicateCount: number) =>
    new AppError(
      'roster.noValidRows',
      `"${name}" has no usable phone number (${invalidCount} unusable rows, ${duplicateCount} duplicates), so it cannot be kept. Fix the numbers listed in the import report and import the file again.`,
      { name, invalidCount, duplicateCount },
    ),

  inUse: (name: string) =>
    new AppError(
      'roster.inUse',
      `The roster "${name}" is used by a task that has not finished. Delete or finish that task first, then remove the roster.`,
      { name },
    ),

  inUseByTask: (name: string, task: string) =>
    new AppError(
      'roster.inUseByTask',
      `The roster "${name}" is used by the task "${task}", which has not finished. Finish, cancel or delete that task first, then remove the roster.`,
      { name, task },
    ),
};
