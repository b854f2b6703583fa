import { sqlMigration } from './migration.js';

/**
 * The SIP trace of each real call attempt (the messages, authorisation
 * values masked), for the user to open and send to support. Kept apart
 * from call_attempts so the detail pages never read it.
 */
export const m0003CallTraces = sqlMigration('0003-call-traces', `
      CREATE TABLE call_traces (
        attempt_id INTEGER PRIMARY KEY REFERENCES call_attempts (id) ON DELETE CASCADE,
        trace TEXT NOT NULL
      ) STRICT;
    `);
