import type { Statement } from 'better-sqlite3';
import { normalizePhone } from '../../shared/phone/normalize.js';
import type { Db } from '../db/database.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import type { SheetRow } from './sheetRows.js';

export interface RosterCounts {
  totalRows: number;
  validCount: number;
  duplicateCount: number;
  invalidCount: number;
}

/**
 * Writes the data rows of one staged roster. `write` is synchronous and runs
 * one transaction per call (the caller hands over ~10,000 rows at a time), so
 * nothing is awaited inside a transaction.
 *
 * Each row: the phone cell normalised to E.164 (DOMAIN.md "Phone numbers");
 * an unusable one becomes an issue with its reason; a number already in the
 * roster is dropped by the UNIQUE (roster_id, phone_e164) index (INSERT OR
 * IGNORE) and recorded as a 'duplicate' issue, so the first row with a number
 * wins. The other columns become the entry's template variables, every column
 * in every entry (empty when the row is short), in header order.
 */
export class RosterWriter {
  readonly counts: RosterCounts = { totalRows: 0, validCount: 0, duplicateCount: 0, invalidCount: 0 };
  private readonly insertEntry: Statement;
  private readonly insertIssue: Statement;
  private readonly variableColumns: number[];
  /** `"Name":` then `,"City":` ...: the JSON object is assembled without building one per row. */
  private readonly keyPrefixes: string[];
  private readonly transaction: (rows: readonly SheetRow[]) => void;

  constructor(
    db: Db,
    private readonly rosterId: number,
    private readonly columns: readonly string[],
    private readonly phoneIndex: number,
    private readonly limits: RosterLimits,
    private readonly fileName: string,
  ) {
    this.insertEntry = db.prepare(
      'INSERT OR IGNORE INTO roster_entries (roster_id, row_number, phone_e164, phone_raw, variables) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertIssue = db.prepare('INSERT INTO roster_issues (roster_id, row_number, phone_raw, kind, reason) VALUES (?, ?, ?, ?, ?)');
    this.variableColumns = columns.map((_, i) => i).filter((i) => i !== phoneIndex);
    this.keyPrefixes = this.variableColumns.map((i, k) => (k === 0 ? '' : ',') + JSON.stringify(columns[i]) + ':');
    this.transaction = db.transaction((rows: readonly SheetRow[]) => {
      for (const row of rows) this.writeRow(row);
    });
  }

  write(rows: readonly SheetRow[]): void {
    if (rows.length > 0) this.transaction(rows);
  }

  private writeRow(row: SheetRow): void {
    const { cells, rowNumber } = row;
    const counts = this.counts;
    if (++counts.totalRows > this.limits.maxRows) throw rosterErrors.tooManyRows(this.fileName, this.limits.maxRows);
    if (cells.length > this.limits.maxColumns) throw rosterErrors.tooManyColumns(this.fileName, cells.length, this.limits.maxColumns);
    for (let i = 0; i < cells.length; i++) {
      if (cells[i]!.length > this.limits.maxCellLength) {
        throw rosterErrors.cellTooLong(this.fileName, rowNumber, this.columns[i] ?? '', this.limits.maxCellLength);
      }
    }
    const raw = cells[this.phoneIndex] ?? '';
    const phone = normalizePhone(raw);
    if (!phone.ok) {
      this.insertIssue.run(this.rosterId, rowNumber, raw, 'invalid', phone.reason);
      counts.invalidCount++;
      return;
    }
    let variables = '{';
    const prefixes = this.keyPrefixes;
    const indexes = this.variableColumns;
    for (let k = 0; k < indexes.length; k++) variables += prefixes[k]! + JSON.stringify(cells[indexes[k]!] ?? '');
    variables += '}';
    if (this.insertEntry.run(this.rosterId, rowNumber, phone.e164, raw, variables).changes === 0) {
      this.insertIssue.run(this.rosterId, rowNumber, raw, 'duplicate', 'duplicate');
      counts.duplicateCount++;
    } else {
      counts.validCount++;
    }
  }
}
