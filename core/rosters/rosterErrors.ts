import { AppError } from '../errors.js';

/**
 * Why a file cannot be imported as a roster. Each code is stable (the UI
 * translates it with the params); the English message says what is wrong and
 * what to do about it.
 */

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(0);
}

export const rosterErrors = {
  unsupportedFormat: (fileName: string, extension: string) =>
    new AppError('roster.unsupportedFormat', { fileName, extension, accepted: '.xlsx, .csv' }),

  notSpreadsheet: (fileName: string, what: string) =>
    new AppError('roster.notSpreadsheet', { fileName, what, accepted: '.xlsx, .csv' }),

  legacyXls: (fileName: string) =>
    new AppError('roster.legacyXls', { fileName }),

  passwordProtected: (fileName: string) =>
    new AppError('roster.passwordProtected', { fileName }),

  unsafeArchive: (fileName: string, uncompressedBytes: number) =>
    new AppError('roster.unsafeArchive', { fileName, uncompressedMb: megabytes(uncompressedBytes) }),

  /** The zip directory understated a part's size (found by inflating it): only a damaged or hostile file does that. */
  archiveSizeLie: (fileName: string, part: string) =>
    new AppError('roster.unsafeArchive', { fileName, part }),

  missing: (fileName: string) =>
    new AppError('roster.missing', { fileName }),

  unreadable: (fileName: string, detail: string) =>
    new AppError('roster.unreadable', { fileName, detail }),

  csvEncoding: (fileName: string, found: string) =>
    new AppError('roster.csvEncoding', { fileName, found }),

  csvMalformed: (fileName: string, line: number, detail: string) =>
    new AppError('roster.csvMalformed', { fileName, line, detail }),

  empty: (fileName: string) =>
    new AppError('roster.empty', { fileName }),

  noDataRows: (fileName: string, headers: string[]) =>
    new AppError('roster.noDataRows', { fileName, headers: headers.join(', ') }),

  tooManyRows: (fileName: string, maxRows: number) =>
    new AppError('roster.tooManyRows', { fileName, maxRows }),

  tooManyColumns: (fileName: string, columns: number, maxColumns: number) =>
    new AppError('roster.tooManyColumns', { fileName, columns, maxColumns }),

  cellTooLong: (fileName: string, rowNumber: number, column: string, maxCellLength: number) =>
    new AppError('roster.cellTooLong', { fileName, rowNumber, column, maxCellLength }),

  unknownColumn: (column: string, headers: string[]) =>
    new AppError('roster.unknownColumn', { column, headers: headers.join(', ') }),

  notFound: (id: number) => new AppError('roster.notFound', { id }),

  notStaged: (id: number) =>
    new AppError('roster.notStaged', { id }),

  noValidRows: (name: string, invalidCount: number, duplicateCount: number) =>
    new AppError('roster.noValidRows', { name, invalidCount, duplicateCount }),

  inUse: (name: string) =>
    new AppError('roster.inUse', { name }),

  inUseByTask: (name: string, task: string) =>
    new AppError('roster.inUseByTask', { name, task }),
};
