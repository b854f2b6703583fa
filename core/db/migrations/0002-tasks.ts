import { sqlMigration } from './migration.js';

/**
 * Tasks and everything the dialing engine writes. The rule that matters
 * most here: every call attempt and every SMS is written BEFORE it leaves
 * (state in_flight / sending), so after a crash the store says what may
 * have happened, and nothing is repeated automatically.
 */
export const m0002Tasks = sqlMigration('0002-tasks', `
      CREATE TABLE tasks (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        recording_id INTEGER NOT NULL REFERENCES recordings (id),
        roster_id INTEGER REFERENCES rosters (id) ON DELETE SET NULL,
        roster_name TEXT NOT NULL,
        recording_name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('scheduled', 'running', 'paused', 'completed', 'cancelled')),
        start_at INTEGER NOT NULL,            -- the instant it was due (now, or the scheduled WIB time)
        scheduled INTEGER NOT NULL CHECK (scheduled IN (0, 1)),
        started_at INTEGER,
        started_late INTEGER NOT NULL DEFAULT 0 CHECK (started_late IN (0, 1)),
        finished_at INTEGER,
        sms_disconnect_template_id INTEGER REFERENCES sms_templates (id) ON DELETE SET NULL,
        sms_unanswered_template_id INTEGER REFERENCES sms_templates (id) ON DELETE SET NULL,
        max_attempts INTEGER NOT NULL DEFAULT 1 CHECK (max_attempts BETWEEN 1 AND 10),
        retry_interval_ms INTEGER NOT NULL DEFAULT 0,
        window_start TEXT,                    -- 'HH:mm' WIB, or NULL for no calling window
        window_end TEXT,
        dry_run INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
        total INTEGER NOT NULL,
        -- Counters kept in the same transactions that change numbers and SMS, so the
        -- task table pages in constant time however many calls the store holds.
        n_done INTEGER NOT NULL DEFAULT 0,
        n_answered INTEGER NOT NULL DEFAULT 0,
        n_unanswered INTEGER NOT NULL DEFAULT 0,
        n_invalid INTEGER NOT NULL DEFAULT 0,
        n_rejected INTEGER NOT NULL DEFAULT 0,
        n_failed INTEGER NOT NULL DEFAULT 0,
        n_uncertain INTEGER NOT NULL DEFAULT 0,
        n_sms_sent INTEGER NOT NULL DEFAULT 0,
        n_sms_failed INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX tasks_status ON tasks (status, start_at);

      -- One row per number of the roster, copied at creation so a task keeps its numbers.
      CREATE TABLE task_numbers (
        id INTEGER PRIMARY KEY,
        task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        row_number INTEGER NOT NULL,
        phone_e164 TEXT NOT NULL,
        variables TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'dialing', 'waiting_retry', 'done', 'uncertain')),
        outcome TEXT,                         -- the final outcome once state = 'done'
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL,
        UNIQUE (task_id, phone_e164)
      ) STRICT;
      CREATE INDEX task_numbers_due ON task_numbers (task_id, state, next_attempt_at, id);
      CREATE INDEX task_numbers_outcome ON task_numbers (task_id, outcome, id);

      CREATE TABLE call_attempts (
        id INTEGER PRIMARY KEY,
        task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        task_number_id INTEGER NOT NULL REFERENCES task_numbers (id) ON DELETE CASCADE,
        attempt_no INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in_flight', 'ended', 'uncertain')),
        outcome TEXT,
        hung_up_by TEXT,
        final_status INTEGER,
        q850_cause INTEGER,
        ring_ms INTEGER,
        answered_ms INTEGER,
        played_ms INTEGER,
        played_to_end INTEGER,
        dtmf TEXT,
        error TEXT,
        dry_run INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        UNIQUE (task_number_id, attempt_no)
      ) STRICT;
      CREATE INDEX call_attempts_number ON call_attempts (task_number_id, attempt_no);
      CREATE INDEX call_attempts_in_flight ON call_attempts (state) WHERE state = 'in_flight';

      -- At most one SMS per number and task: the UNIQUE key is the guarantee.
      CREATE TABLE sms_outbox (
        id INTEGER PRIMARY KEY,
        task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        task_number_id INTEGER NOT NULL UNIQUE REFERENCES task_numbers (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('disconnect', 'unanswered')),
        template_id INTEGER,
        to_e164 TEXT NOT NULL,
        text TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')),
        attempts INTEGER NOT NULL DEFAULT 0,
        provider_message_id TEXT,
        error TEXT,
        dry_run INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sms_outbox_state ON sms_outbox (state, id);

      -- Only one process dials per data folder (the desktop app or autocall run).
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
    `);
