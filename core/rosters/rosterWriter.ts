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
 * Writes the data rows of one staged roster.
 *
 * `add` checks and prepares rows as they are read: the phone cell normalised
 * to E.164 (DOMAIN.md "Phone numbers"), an unusable one kept as an issue with
 * its reason, the other columns as the entry's template variables (every
 * column in every entry, empty when the row is short, in header order).
 * `flush` writes what was prepared in one synchronous transaction, so nothing
 * is awaited inside it; `add` flushes by itself every `commitRows` rows.
 *
 * Why commits of ~25,000 rows: the UNIQUE (roster_id, phone_e164) index
 * receives numbers in random order, so every commit rewrites nearly every
 * page of that index into the WAL; commits of 10,000 rows made a
 * 1,000,000-row import spend two thirds of its time in commits, larger ones
 * cost memory (100,000: 6.0 s and 370 MB peak, 25,000: 6.5 s and 295 MB; bench/roster.ts).
 *
 * A number already in the roster is dropped by that index (INSERT OR IGNORE)
 * and recorded as a 'duplicate' issue, so the first row with a number wins.
 */
export class RosterWriter {
  readonly counts: RosterCounts = { totalRows: 0, validCount: 0, duplicateCount: 0, invalidCount: 0 };
  private readonly insertEntry: Statement;
  private readonly insertIssue: Statement;
  private readonly variableColumns: number[];
  /** `"Name":` then `,"City":` ...: the JSON object is assembled without building one per row. */
  private readonly keyPrefixes: string[];
  private readonly transaction: () => void;
  /** Prepared entries, flat: row number, E.164, raw phone, variables JSON. */
  private entries: (string | number)[] = [];
  /** Prepared invalid rows, flat: row number, raw phone, reason. */
  private invalid: (string | number)[] = [];

  constructor(
    db: Db,
    private readonly rosterId: number,
    private readonly columns: readonly string[],
    private readonly phoneIndex: number,
    private readonly limits: RosterLimits,
    private readonly fileName: string,
    private readonly commitRows: number = 25_000,
  ) {
    this.insertEntry = db.prepare(
      'INSERT OR IGNORE INTO roster_entries (roster_id, row_number, phone_e164, phone_raw, variables) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertIssue = db.prepare('INSERT INTO roster_issues (roster_id, row_number, phone_raw, kind, reason) VALUES (?, ?, ?, ?, ?)');
    this.variableColumns = columns.map((_, i) => i).filter((i) => i !== phoneIndex);
    this.keyPrefixes = this.variableColumns.map((i, k) => (k === 0 ? '' : ',') + JSON.stringify(columns[i]) + ':');
    this.transaction = db.transaction(() => this.writePending());
  }

  /** Rows prepared and not yet written. */
  get pendingRows(): number {
    return this.entries.length / 4 + this.invalid.length / 3;
  }

  add(rows: readonly SheetRow[]): void {
    for (const row of rows) this.prepare(row);
    if (this.pendingRows >= this.commitRows) this.flush();
  }

  flush(): void {
    if (this.pendingRows > 0) this.transaction();
  }

  private prepare(row: SheetRow): void {
    const { cells, rowNumber } = row;
    const counts = this.counts;
    if (++counts.totalRows > this.limits.maxRows) throw rosterErrors.tooManyRows(this.fileName, this.limits.maxRows);
    if (cells.length > this.limits.maxColumns) throw rosterErrors.tooManyColumns(this.fileName, cells.length, this.limits.maxColumns);
    const maxCellLength = this.limits.maxCellLength;
    for (let i = 0; i < cells.length; i++) {
      if (cells[i]!.length > maxCellLength) throw rosterErrors.cellTooLong(this.fileName, rowNumber, this.columns[i] ?? '', maxCellLength);
    }
    const raw = cells[this.phoneIndex] ?? '';
    const phone = normalizePhone(raw);
    if (!phone.ok) {
      this.invalid.push(rowNumber, raw, phone.reason);
      counts.invalidCount++;
      return;
    }
    let variables = '{';
    const prefixes = this.keyPrefixes;
    const indexes = this.variableColumns;
    for (let k = 0; k < indexes.length; k++) variables += prefixes[k]! + JSON.stringify(cells[indexes[k]!] ?? '');
    variables += '}';
    this.entries.push(rowNumber, phone.e164, raw, variables);
  }

  private writePending(): void {
    const { rosterId, counts, entries, invalid } = this;
    for (let i = 0; i < invalid.length; i += 3) this.insertIssue.run(rosterId, invalid[i], invalid[i + 1], 'invalid', invalid[i + 2]);
    for (let i = 0; i < entries.length; i += 4) {
      if (this.insertEntry.run(rosterId, entries[i], entries[i + 1], entries[i + 2], entries[i + 3]).changes === 0) {
        this.insertIssue.run(rosterId, entries[i], entries[i + 2], 'duplicate', 'duplicate');
        counts.duplicateCount++;
      } else {
        counts.validCount++;
      }
    }
    this.entries = [];
    this.invalid = [];
  }
}
