import { sqlMigration } from './migration.js';

/**
 * roster_entries without its UNIQUE (roster_id, phone_e164) index.
 *
 * The importer drops duplicate numbers itself (core/rosters/rosterWriter.ts,
 * the first row with a number wins), and nothing reads entries by phone. The
 * index was the slowest part of a large import: numbers arrive in random
 * order, so every commit rewrote most of its pages into the WAL and the
 * checkpoints copied and synced them again (bench/roster.ts, 1,000,000 rows:
 * more than half of the import's SQLite time). A number is still kept from
 * being called twice by task_numbers' UNIQUE (task_id, phone_e164), which a
 * task is copied into.
 *
 * SQLite cannot drop a table constraint, so the table is rebuilt (ALTER
 * TABLE's "other kinds of schema change" procedure): no table references
 * roster_entries, so foreign keys need no special care.
 */
export const m0005RosterEntriesPhoneNotIndexed = sqlMigration('0005-roster-entries-phone-not-indexed', `
      CREATE TABLE roster_entries_new (
        id INTEGER PRIMARY KEY,
        roster_id INTEGER NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
        row_number INTEGER NOT NULL,       -- as the user sees it in the spreadsheet (header is row 1)
        phone_e164 TEXT NOT NULL,          -- unique within the roster: the importer drops duplicates
        phone_raw TEXT NOT NULL,
        variables TEXT NOT NULL            -- JSON object: the other columns, for SMS templates
      ) STRICT;
      INSERT INTO roster_entries_new (id, roster_id, row_number, phone_e164, phone_raw, variables)
        SELECT id, roster_id, row_number, phone_e164, phone_raw, variables FROM roster_entries;
      DROP TABLE roster_entries;
      ALTER TABLE roster_entries_new RENAME TO roster_entries;
      CREATE INDEX roster_entries_page ON roster_entries (roster_id, row_number);
    `);
