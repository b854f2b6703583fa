import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openDatabase } from './database.js';
import { MIGRATIONS } from './migrations/index.js';
import { makeTempDir } from '../../tests/support/tmp.js';

describe('openDatabase', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('creates the schema at the newest version with WAL and foreign keys', () => {
    const db = openDatabase(join(tmp.dir, 'a.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as { name: string }[];
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['recordings', 'rosters', 'roster_entries', 'sms_templates', 'secrets']));
    db.close();
  });

  it('refuses a database written by a newer version and leaves it untouched', () => {
    const file = join(tmp.dir, 'b.db');
    const db = openDatabase(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(/newer version/);
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    raw.close();
  });

  it('tables are STRICT: a wrong type is refused', () => {
    const db = openDatabase(join(tmp.dir, 'c.db'));
    expect(() =>
      db.prepare('INSERT INTO sms_templates (name, body, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run('n', 'b', 'pending', 'yesterday', 1),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    db.close();
  });
});
