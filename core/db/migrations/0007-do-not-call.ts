import { sqlMigration } from './migration.js';

/**
 * The do-not-call list (docs/DOMAIN.md "Do-not-call list"): numbers no task
 * may dial, whichever roster they come from. One row per E.164 number (the
 * UNIQUE key is also the engine's lookup index). A task's number found on the
 * list when its turn comes is finished with the outcome 'doNotCall' and
 * counted in `n_do_not_call`, apart from the call outcomes.
 *
 * Number 0007: 0006 belongs to another change made at the same time; the
 * two must be registered in order in index.ts.
 */
export const m0007DoNotCall = sqlMigration('0007-do-not-call', `
      CREATE TABLE do_not_call (
        id INTEGER PRIMARY KEY,
        phone_e164 TEXT NOT NULL UNIQUE,
        phone_raw TEXT NOT NULL,        -- as it was typed or read from the file
        note TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL,           -- 'manual', or the name of the file it was imported from
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX do_not_call_created ON do_not_call (created_at DESC, id DESC);
      ALTER TABLE tasks ADD COLUMN n_do_not_call INTEGER NOT NULL DEFAULT 0;
    `);
