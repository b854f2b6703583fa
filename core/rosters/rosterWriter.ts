import type { Statement } from 'better-sqlite3';
import { normalizePhone } from '../../shared/phone/normalize.js';
import type { Db } from '../db/database.js';
import { E164Set } from './e164Set.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import type { SheetRow } from './sheetRows.js';

/** Rows per multi-row INSERT: 250 bound values; from 25 to 50 rows a statement was the fastest (bench/roster.ts). */
const ENTRIES_PER_INSERT = 50;
/** Values bound per entry and per issue. */
const BOUND_PER_ROW = 5;

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
 * to E.164 (docs/DOMAIN.md "Phone numbers"), an unusable one kept as an issue with
 * its reason, the other columns as the entry's template variables (every
 * column in every entry, empty when the row is short, in header order).
 * `flush` writes what was prepared in one synchronous transaction, so nothing
 * is awaited inside it; `add` flushes by itself every `commitRows` rows.
 *
 * Duplicates are found here, in memory (E164Set): the first row with a
 * number wins, a later one is recorded as a 'duplicate' issue. So every
 * entry written is new, and entries go in as multi-row INSERTs of
 * ENTRIES_PER_INSERT rows, far fewer statements than one per row.
 *
 * Why commits of 2,000 rows (a read batch, READ_BATCH_ROWS): rows are
 * appended in file order, so a commit writes little besides the new pages
 * and larger ones gain nothing measurable, while rows prepared for a larger
 * commit stay alive through the young-generation collections, each of which
 * copies them (1,000,000 rows: ~0.15 s of garbage collection with commits
 * of 2,000 rows, ~0.7 s with 10,000; bench/roster.ts).
 */
export class RosterWriter {
  readonly counts: RosterCounts = { totalRows: 0, validCount: 0, duplicateCount: 0, invalidCount: 0 };
  private readonly insertEntries: Statement;
  private readonly insertEntry: Statement;
  private readonly insertIssue: Statement;
  private readonly variableColumns: number[];
  /** `{"Name":` then `,"City":` ...: the JSON object is assembled without building one per row. */
  private readonly keyPrefixes: string[];
  private readonly seen = new E164Set();
  private readonly transaction: () => void;
  /**
   * Prepared entries as they are bound (roster id, row number, E.164, raw phone,
   * variables JSON), one array per multi-row INSERT. Small arrays on purpose: one
   * array growing to a commit's worth would be reallocated as it grows, and arrays
   * that large are allocated straight into the old generation of the heap, which
   * only a full garbage collection frees (bench/roster.ts: tens of MB of peak heap).
   */
  private entryChunks: (string | number)[][] = [];
  /** The chunk being filled, not yet ENTRIES_PER_INSERT rows. */
  private entryChunk: (string | number)[] = [];
  /** Prepared issues, flat, as bound: roster id, row number, raw phone, kind, reason. */
  private issues: (string | number)[] = [];

  constructor(
    db: Db,
    private readonly rosterId: number,
    private readonly columns: readonly string[],
    private readonly phoneIndex: number,
    private readonly limits: RosterLimits,
    private readonly fileName: string,
    private readonly commitRows: number = 2_000,
  ) {
    const entryColumns = 'INSERT INTO roster_entries (roster_id, row_number, phone_e164, phone_raw, variables) VALUES ';
    this.insertEntries = db.prepare(entryColumns + new Array(ENTRIES_PER_INSERT).fill('(?, ?, ?, ?, ?)').join(', '));
    this.insertEntry = db.prepare(entryColumns + '(?, ?, ?, ?, ?)');
    this.insertIssue = db.prepare('INSERT INTO roster_issues (roster_id, row_number, phone_raw, kind, reason) VALUES (?, ?, ?, ?, ?)');
    this.variableColumns = columns.map((_, i) => i).filter((i) => i !== phoneIndex);
    this.keyPrefixes = this.variableColumns.map((i, k) => (k === 0 ? '{' : ',') + JSON.stringify(columns[i]) + ':');
    this.transaction = db.transaction(() => this.writePending());
  }

  /** Rows prepared and not yet written. */
  get pendingRows(): number {
    return this.entryChunks.length * ENTRIES_PER_INSERT + (this.entryChunk.length + this.issues.length) / BOUND_PER_ROW;
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
      this.issues.push(this.rosterId, rowNumber, raw, 'invalid', phone.reason);
      counts.invalidCount++;
      return;
    }
    if (!this.seen.add(phone.e164)) {
      this.issues.push(this.rosterId, rowNumber, raw, 'duplicate', 'duplicate');
      counts.duplicateCount++;
      return;
    }
    const chunk = this.entryChunk;
    chunk.push(this.rosterId, rowNumber, phone.e164, raw, this.variablesJson(cells));
    if (chunk.length === ENTRIES_PER_INSERT * BOUND_PER_ROW) {
      this.entryChunks.push(chunk);
      this.entryChunk = [];
    }
    counts.validCount++;
  }

  /** The other columns as a JSON object, keys in header order. */
  private variablesJson(cells: readonly string[]): string {
    const prefixes = this.keyPrefixes;
    const indexes = this.variableColumns;
    if (indexes.length === 0) return '{}';
    let json = '';
    for (let k = 0; k < indexes.length; k++) json += prefixes[k]! + jsonString(cells[indexes[k]!] ?? '');
    return json + '}';
  }

  private writePending(): void {
    const { entryChunks, entryChunk, issues } = this;
    for (const chunk of entryChunks) this.insertEntries.run(chunk);
    for (let i = 0; i < entryChunk.length; i += BOUND_PER_ROW) this.insertEntry.run(entryChunk.slice(i, i + BOUND_PER_ROW));
    for (let i = 0; i < issues.length; i += BOUND_PER_ROW) this.insertIssue.run(issues.slice(i, i + BOUND_PER_ROW));
    this.entryChunks = [];
    this.entryChunk = [];
    this.issues = [];
  }
}

/** Characters JSON.stringify escapes (quote, backslash, controls) or may (surrogates, paired or not). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A string as JSON text, exactly as JSON.stringify writes it: a cell without
 * a character it would escape is only quoted, several times cheaper, and
 * that is nearly every cell.
 */
export function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : '"' + text + '"';
}
