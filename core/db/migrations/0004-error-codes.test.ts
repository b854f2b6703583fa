import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskService } from '../../tasks/taskService.js';
import { makeTestContext } from '../../../tests/support/coreContext.js';
import { seedRecording } from '../../../tests/support/seed.js';
import { makeTempDir } from '../../../tests/support/tmp.js';
import { MIGRATIONS } from './index.js';

const CALL_ERROR = 'sip.noResponse: the gateway did not answer the INVITE';
const SMS_ERROR = 'Twilio refused the credentials (HTTP 401): Authenticate (Twilio error 20003). Check the Account SID and auth token in Settings > SMS account.';

/** A data folder as the version before 0004 left it: a finished task with a failed attempt and a failed SMS. */
function writeOldStore(file: string): void {
  const db = new Database(file);
  const before = MIGRATIONS.findIndex((m) => m.name === '0004-error-codes');
  for (const migration of MIGRATIONS.slice(0, before)) migration.up(db);
  db.pragma(`user_version = ${before}`);
  const recordingId = seedRecording(db);
  db.prepare(
    `INSERT INTO tasks (id, name, recording_id, roster_name, recording_name, status, start_at, scheduled, dry_run, total, n_done, n_failed, n_sms_failed, created_at, updated_at)
     VALUES (1, 'December Promotion', ?, 'List', 'Promotion Campaign', 'completed', 0, 0, 0, 1, 1, 1, 1, 0, 0)`,
  ).run(recordingId);
  db.prepare("INSERT INTO task_numbers (id, task_id, row_number, phone_e164, variables, state, outcome, attempts, updated_at) VALUES (1, 1, 2, '+6281234567890', '{}', 'done', 'failed', 1, 0)").run();
  db.prepare("INSERT INTO call_attempts (task_id, task_number_id, attempt_no, state, outcome, error, dry_run, started_at, ended_at) VALUES (1, 1, 1, 'ended', 'failed', ?, 0, 0, 32000)").run(CALL_ERROR);
  db.prepare(
    "INSERT INTO sms_outbox (task_id, task_number_id, kind, to_e164, text, state, attempts, error, dry_run, created_at, updated_at) VALUES (1, 1, 'unanswered', '+6281234567890', 'Maaf', 'failed', 1, ?, 0, 0, 0)",
  ).run(SMS_ERROR);
  db.close();
}

describe('migration 0004-error-codes', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('keeps the attempts and SMS stored before it, with their sentences and no codes, and the views still read them', () => {
    writeOldStore(join(tmp.dir, 'autocall.db'));
    const test = makeTestContext(tmp.dir); // opens the store: the pending migration runs
    try {
      const { db } = test.ctx;
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.prepare('SELECT error, error_codes FROM call_attempts').all()).toEqual([{ error: CALL_ERROR, error_codes: null }]);
      expect(db.prepare('SELECT state, error, error_code, error_params FROM sms_outbox').all()).toEqual([{ state: 'failed', error: SMS_ERROR, error_code: null, error_params: null }]);

      const tasks = new TaskService(test.ctx, { isDryRun: () => false });
      const [number] = tasks.numbers(1, 'all', 1, 10).items;
      expect(number).toMatchObject({ outcome: 'failed', sms: { state: 'failed', error: SMS_ERROR, errorCode: null } });
      expect(tasks.attempts(1)).toMatchObject([{ outcome: 'failed', error: CALL_ERROR, errorCodes: null }]);
    } finally {
      test.close();
    }
  });

  it('new columns are STRICT TEXT like the rest of the tables', () => {
    writeOldStore(join(tmp.dir, 'autocall.db'));
    const test = makeTestContext(tmp.dir);
    try {
      expect(() => test.ctx.db.prepare('UPDATE sms_outbox SET error_code = ?').run(Buffer.from('x'))).toThrow(/cannot store BLOB value in TEXT column/);
    } finally {
      test.close();
    }
  });
});
