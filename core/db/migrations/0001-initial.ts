import { sqlMigration } from './migration.js';

/**
 * The libraries a task is built from: recordings, rosters, SMS templates,
 * the SMS account, settings and encrypted secrets. Times are epoch
 * milliseconds (instants); WIB is a display concern only.
 */
export const m0001Initial = sqlMigration('0001-initial', `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      -- Credentials, encrypted. scheme says which key can open them:
      -- 'safe-storage' (Electron safeStorage) or 'file-key' (the command line's 0600 key file).
      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        scheme TEXT NOT NULL CHECK (scheme IN ('safe-storage', 'file-key')),
        ciphertext BLOB NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE recordings (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        original_file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        source_sample_rate INTEGER NOT NULL,
        source_channels INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX recordings_sha256 ON recordings (sha256);

      CREATE TABLE rosters (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        source_file_name TEXT NOT NULL,
        source_sha256 TEXT,
        phone_column TEXT NOT NULL,
        columns TEXT NOT NULL,            -- JSON array of header names, in file order
        status TEXT NOT NULL CHECK (status IN ('staged', 'ready')),
        total_rows INTEGER NOT NULL DEFAULT 0,
        valid_count INTEGER NOT NULL DEFAULT 0,
        duplicate_count INTEGER NOT NULL DEFAULT 0,
        invalid_count INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE roster_entries (
        id INTEGER PRIMARY KEY,
        roster_id INTEGER NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
        row_number INTEGER NOT NULL,       -- as the user sees it in the spreadsheet (header is row 1)
        phone_e164 TEXT NOT NULL,
        phone_raw TEXT NOT NULL,
        variables TEXT NOT NULL,           -- JSON object: the other columns, for SMS templates
        UNIQUE (roster_id, phone_e164)
      ) STRICT;
      CREATE INDEX roster_entries_page ON roster_entries (roster_id, row_number);

      -- Rows that could not be used, and duplicates, with the reason, for the import report.
      CREATE TABLE roster_issues (
        id INTEGER PRIMARY KEY,
        roster_id INTEGER NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
        row_number INTEGER NOT NULL,
        phone_raw TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('invalid', 'duplicate')),
        reason TEXT NOT NULL
      ) STRICT;
      CREATE INDEX roster_issues_page ON roster_issues (roster_id, row_number);

      CREATE TABLE sms_templates (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        rejection_reason TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- One SMS account. Non-secret fields as JSON; secrets live in the secrets table.
      CREATE TABLE sms_account (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        provider TEXT NOT NULL CHECK (provider IN ('twilio', 'vonage', 'infobip', 'zenziva', 'generic')),
        config TEXT NOT NULL,
        active INTEGER NOT NULL CHECK (active IN (0, 1)),
        updated_at INTEGER NOT NULL
      ) STRICT;
    `);
