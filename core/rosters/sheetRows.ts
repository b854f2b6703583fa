/** One row of the first sheet, as text, numbered as the spreadsheet shows it (the first row is 1). */
export interface SheetRow {
  rowNumber: number;
  cells: string[];
}

/**
 * A roster file read as rows. `batches()` yields the rows in file order, a
 * few thousand at a time, skipping rows with nothing in them (Excel keeps
 * formatted empty rows; people leave blank lines); the first row yielded is
 * the header. `bytesRead()` is how much of the file has been consumed, for
 * progress.
 */
export interface RowSource {
  readonly totalBytes: number;
  bytesRead(): number;
  batches(): AsyncGenerator<SheetRow[], void, undefined>;
}

/** Rows a reader hands over at a time: small enough for ~10 progress updates a second on slow xlsx parsing. */
export const READ_BATCH_ROWS = 2000;

export function isBlankRow(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
}
