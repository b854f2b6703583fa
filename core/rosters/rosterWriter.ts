import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/database.js';
import { ENTRIES_PER_INSERT, ENTRY_TEXTS, ENTRY_VALUES, ISSUE_VALUES, type PreparedBatch, type PreparedEntries } from './preparedRows.js';

/**
 * Writes the prepared batches of one staged roster (preparedRows.ts: the
 * rows were checked, normalised, deduplicated and turned into bound values
 * on the reader's worker thread), each in one synchronous transaction: the
 * thread that holds the database only runs the INSERTs. Every entry is new
 * (duplicates were dropped in memory), so entries go in as multi-row
 * INSERTs of ENTRIES_PER_INSERT rows, far fewer statements than one per row.
 *
 * A batch is PREPARED_BATCH_ENTRIES rows (preparedRows.ts): a commit short
 * enough that a request to the core host waits for it no longer than ~1 ms
 * (bench/host.ts), and the caller lets the event loop turn between batches.
 */
export class RosterWriter {
  private readonly insertEntries: Statement;
  private readonly insertEntry: Statement;
  private readonly insertIssue: Statement;
  private readonly roster: { roster: number };
  /** The values of one statement, refilled for each (run() binds them at once). */
  private readonly values: (string | number)[] = new Array<string | number>(ENTRIES_PER_INSERT * ENTRY_VALUES);
  private readonly transaction: (batch: PreparedBatch) => void;

  constructor(db: Db, rosterId: number) {
    const entryColumns = 'INSERT INTO roster_entries (roster_id, row_number, phone_e164, phone_raw, variables) VALUES ';
    this.insertEntries = db.prepare(entryColumns + new Array(ENTRIES_PER_INSERT).fill('(@roster, ?, ?, ?, ?)').join(', '));
    this.insertEntry = db.prepare(entryColumns + '(@roster, ?, ?, ?, ?)');
    this.insertIssue = db.prepare('INSERT INTO roster_issues (roster_id, row_number, phone_raw, kind, reason, duplicate_of) VALUES (@roster, ?, ?, ?, ?, ?)');
    this.roster = { roster: rosterId };
    this.transaction = db.transaction((batch: PreparedBatch) => this.writeBatch(batch));
  }

  write(batch: PreparedBatch): void {
    if (batch.entries.count > 0 || batch.issues.length > 0) this.transaction(batch);
  }

  private writeBatch({ entries, issues }: PreparedBatch): void {
    const roster = this.roster;
    this.writeEntries(entries);
    for (let i = 0; i < issues.length; i += ISSUE_VALUES) this.insertIssue.run(issues.slice(i, i + ISSUE_VALUES), roster);
  }

  /** Cuts the entries' text back into values (preparedRows.ts PreparedEntries), ENTRIES_PER_INSERT rows a statement, the rest one by one. */
  private writeEntries({ count, rowNumbers, text, lengths }: PreparedEntries): void {
    const roster = this.roster;
    const values = this.values;
    let at = 0;
    let entry = 0;
    const fill = (slot: number): void => {
      values[slot] = rowNumbers[entry]!;
      for (let k = 0; k < ENTRY_TEXTS; k++) {
        const end = at + lengths[entry * ENTRY_TEXTS + k]!;
        values[slot + 1 + k] = text.substring(at, end);
        at = end;
      }
      entry++;
    };
    for (; count - entry >= ENTRIES_PER_INSERT; ) {
      for (let i = 0; i < ENTRIES_PER_INSERT; i++) fill(i * ENTRY_VALUES);
      this.insertEntries.run(values, roster);
    }
    while (entry < count) {
      fill(0);
      this.insertEntry.run(values.slice(0, ENTRY_VALUES), roster);
    }
  }
}
