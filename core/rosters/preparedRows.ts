import { normalizePhone } from '../../shared/phone/normalize.js';
import { AppError } from '../errors.js';
import { E164Set } from './e164Set.js';
import { columnNames, phoneColumnIndex } from './rosterHeaders.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import type { SheetRow } from './sheetRows.js';

/** Entries per multi-row INSERT (rosterWriter.ts): 200 bound values; from 25 to 50 rows a statement was the fastest (bench/roster.ts). */
export const ENTRIES_PER_INSERT = 50;
/** Values bound per entry: row number, E.164, raw phone, variables JSON (the roster id is bound by name). */
export const ENTRY_VALUES = 4;
/** Values bound per issue: row number, raw phone, kind, reason, the row a duplicate repeats (null for an unusable number). */
export const ISSUE_VALUES = 5;

/**
 * Entries in one prepared batch, and so in one of the import's transactions.
 * A whole number of INSERT statements. Measured (bench/host.ts): 500 rows
 * commit in ~1 ms, so the core host's requests wait at most that long for
 * an import; 2,000 rows a commit (the earlier size) took ~4 ms and gained
 * no speed.
 */
export const PREPARED_BATCH_ENTRIES = 10 * ENTRIES_PER_INSERT;

/** What the reader needs to prepare roster rows beside the parsing (on its worker thread). */
export interface PrepareSpec {
  fileName: string;
  limits: RosterLimits;
  /** The column the user chose; undefined to recognise it by its header (rosterHeaders.ts). */
  phoneColumn: string | undefined;
}

/** The header row's columns, and the phone column among them (null: the user must choose). */
export interface RosterHeader {
  columns: string[];
  phoneIndex: number | null;
}

export interface RosterCounts {
  totalRows: number;
  validCount: number;
  duplicateCount: number;
  invalidCount: number;
}

/**
 * A batch's entries as they cross from the reader's thread to the one
 * holding the database. Structured clone costs per value: a million entries
 * as four values each took ~0.4 s to serialise on the reader and ~0.6 s to
 * copy back into strings on the core host (v8.serialize and deserialize of
 * the batches of bench/roster.ts's 1,000,000-row
 * csv). So the text of all entries travels as one string, cut back into its
 * values by `lengths` (substrings, which V8 makes without copying), and the
 * row numbers as one Int32Array: two values a batch.
 */
export interface PreparedEntries {
  count: number;
  /** The row number of each entry. */
  rowNumbers: Int32Array;
  /** E.164, raw phone and variables JSON of each entry, one after another. */
  text: string;
  /** The length in `text` (UTF-16 code units) of each of those: ENTRY_TEXTS a entry. */
  lengths: Int32Array;
}

/** Text values an entry has in PreparedEntries.text: E.164, raw phone, variables JSON. */
export const ENTRY_TEXTS = 3;

/** The entries one at a time as they are bound: row number, E.164, raw phone, variables JSON. */
export function* unpackEntries(entries: PreparedEntries): Generator<[number, string, string, string]> {
  let at = 0;
  for (let i = 0; i < entries.count; i++) {
    const values: string[] = [];
    for (let k = 0; k < ENTRY_TEXTS; k++) {
      const length = entries.lengths[i * ENTRY_TEXTS + k]!;
      values.push(entries.text.substring(at, at + length));
      at += length;
    }
    yield [entries.rowNumbers[i]!, values[0]!, values[1]!, values[2]!];
  }
}

/**
 * Rows ready to insert, so that the thread holding the database only runs
 * the statements (rosterWriter.ts).
 */
export interface PreparedBatch {
  entries: PreparedEntries;
  /** ISSUE_VALUES values an issue: issues are rare, they travel as plain values. */
  issues: (string | number | null)[];
  /** The import's counts up to and including this batch. */
  counts: RosterCounts;
}

/** What a roster file's reader hands over: either raw rows (the do-not-call list reads them) or, for a roster, the header then prepared batches. */
export type RowsOut = { rows: SheetRow[] } | { header: RosterHeader } | { prepared: PreparedBatch };

/** An AppError as it crosses threads (structured clone drops its class). */
export interface ClonedFailure {
  code: string | undefined;
  message: string;
  params: Record<string, string | number> | undefined;
}

export function cloneFailure(err: unknown): ClonedFailure {
  return err instanceof AppError
    ? { code: err.code, message: err.message, params: err.params }
    : { code: undefined, message: err instanceof Error ? err.message : String(err), params: undefined };
}

/**
 * Turns a reader's rows into what it posts: raw rows as they come (no spec),
 * or the roster's header and then its prepared batches (RowPreparer). Runs on
 * the reader's worker thread; `add` and `end` return the messages to post.
 * `finished` turns true once nothing more is wanted (the phone column is
 * unknown): the reader then stops.
 */
export class RowsOutput {
  finished = false;
  private readonly preparer: RowPreparer | undefined;

  constructor(spec: PrepareSpec | undefined) {
    this.preparer = spec ? new RowPreparer(spec) : undefined;
  }

  add(rows: SheetRow[]): RowsOut[] {
    if (rows.length === 0 || this.finished) return [];
    if (!this.preparer) return [{ rows }];
    const out = this.preparer.add(rows);
    if (this.preparer.header?.phoneIndex === null) this.finished = true;
    return out;
  }

  end(): RowsOut[] {
    if (this.finished) return [];
    this.finished = true;
    return this.preparer ? this.preparer.end() : [];
  }
}

/**
 * Prepares the data rows of one roster (docs/DOMAIN.md "Phone numbers"):
 * the limits checked, the phone cell normalised to E.164, an unusable one
 * kept as an issue with its reason, a number seen before kept as a
 * 'duplicate' issue with the row it repeats (the first row with a number
 * wins: E164Set), and the
 * other columns as the entry's template variables, one JSON object in
 * header order (every column in every entry, empty when the row is short).
 * The first row it is given is the header.
 */
export class RowPreparer {
  header: RosterHeader | undefined;
  readonly counts: RosterCounts = { totalRows: 0, validCount: 0, duplicateCount: 0, invalidCount: 0 };
  private columns: string[] = [];
  private phoneIndex = 0;
  private variableColumns: number[] = [];
  /** `{"Name":` then `,"City":` ...: the JSON object is assembled without building one per row. */
  private keyPrefixes: string[] = [];
  private readonly seen = new E164Set();
  private entryCount = 0;
  private rowNumbers = new Int32Array(PREPARED_BATCH_ENTRIES);
  private texts: string[] = [];
  private lengths = new Int32Array(PREPARED_BATCH_ENTRIES * ENTRY_TEXTS);
  private issues: (string | number | null)[] = [];

  constructor(private readonly spec: PrepareSpec) {}

  add(rows: readonly SheetRow[]): RowsOut[] {
    const out: RowsOut[] = [];
    let i = 0;
    if (!this.header) {
      const header = this.readHeader(rows[0]!);
      out.push({ header });
      if (header.phoneIndex === null) return out;
      i = 1;
    }
    for (; i < rows.length; i++) {
      this.prepare(rows[i]!);
      if (this.entryCount === PREPARED_BATCH_ENTRIES) out.push({ prepared: this.take() });
    }
    // Issues are rare; they wait for the next batch of entries unless they pile up (a column of bad numbers).
    if (this.issues.length >= PREPARED_BATCH_ENTRIES * ISSUE_VALUES) out.push({ prepared: this.take() });
    return out;
  }

  /** The rest; refuses a file without a header. */
  end(): RowsOut[] {
    if (!this.header) throw rosterErrors.empty(this.spec.fileName);
    if (this.header.phoneIndex === null) return [];
    return [{ prepared: this.take() }];
  }

  private readHeader(row: SheetRow): RosterHeader {
    const { fileName, limits } = this.spec;
    if (row.cells.length > limits.maxColumns) throw rosterErrors.tooManyColumns(fileName, row.cells.length, limits.maxColumns);
    const columns = columnNames(row.cells);
    const phoneIndex = phoneColumnIndex(columns, this.spec.phoneColumn);
    this.header = { columns, phoneIndex };
    if (phoneIndex !== null) {
      this.columns = columns;
      this.phoneIndex = phoneIndex;
      this.variableColumns = columns.map((_, i) => i).filter((i) => i !== phoneIndex);
      this.keyPrefixes = this.variableColumns.map((i, k) => (k === 0 ? '{' : ',') + JSON.stringify(columns[i]) + ':');
    }
    return this.header;
  }

  private take(): PreparedBatch {
    const count = this.entryCount;
    const entries: PreparedEntries = {
      count,
      rowNumbers: this.rowNumbers.slice(0, count),
      text: this.texts.join(''),
      lengths: this.lengths.slice(0, count * ENTRY_TEXTS),
    };
    const batch: PreparedBatch = { entries, issues: this.issues, counts: { ...this.counts } };
    this.entryCount = 0;
    this.texts = [];
    this.issues = [];
    return batch;
  }

  private prepare(row: SheetRow): void {
    const { cells, rowNumber } = row;
    const { fileName, limits } = this.spec;
    const counts = this.counts;
    if (++counts.totalRows > limits.maxRows) throw rosterErrors.tooManyRows(fileName, limits.maxRows);
    if (cells.length > limits.maxColumns) throw rosterErrors.tooManyColumns(fileName, cells.length, limits.maxColumns);
    const maxCellLength = limits.maxCellLength;
    for (let i = 0; i < cells.length; i++) {
      if (cells[i]!.length > maxCellLength) throw rosterErrors.cellTooLong(fileName, rowNumber, this.columns[i] ?? '', maxCellLength);
    }
    const raw = cells[this.phoneIndex] ?? '';
    const phone = normalizePhone(raw);
    if (!phone.ok) {
      this.issues.push(rowNumber, raw, 'invalid', phone.reason, null);
      counts.invalidCount++;
      return;
    }
    const first = this.seen.add(phone.e164, rowNumber);
    if (first !== 0) {
      this.issues.push(rowNumber, raw, 'duplicate', 'duplicate', first);
      counts.duplicateCount++;
      return;
    }
    const variables = this.variablesJson(cells);
    const n = this.entryCount++;
    this.rowNumbers[n] = rowNumber;
    const lengths = this.lengths;
    lengths[n * ENTRY_TEXTS] = phone.e164.length;
    lengths[n * ENTRY_TEXTS + 1] = raw.length;
    lengths[n * ENTRY_TEXTS + 2] = variables.length;
    this.texts.push(phone.e164, raw, variables);
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
