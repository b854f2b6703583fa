import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openDatabase, STATEMENT_CACHE_SIZE } from './database.js';
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

  it('0005 rebuilds roster_entries without the phone index, keeping every entry and the cascade from rosters', () => {
    const file = join(tmp.dir, 'v3.db');
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    for (const migration of MIGRATIONS.slice(0, 3)) migration.up(old);
    old.pragma('user_version = 3');
    old.prepare(`INSERT INTO rosters (id, name, source_file_name, phone_column, columns, status, created_at) VALUES (7, 'r', 'r.csv', 'Phone', '["Phone","Name"]', 'ready', 0)`).run();
    const insert = old.prepare('INSERT INTO roster_entries (id, roster_id, row_number, phone_e164, phone_raw, variables) VALUES (?, 7, ?, ?, ?, ?)');
    insert.run(11, 2, '+6281234567890', '0812-3456-7890', '{"Name":"Budi"}');
    insert.run(12, 3, '+6281311112222', '0813 1111 2222', '{"Name":"Sari"}');
    const before = old.prepare('SELECT * FROM roster_entries ORDER BY id').all();
    old.close();

    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare('SELECT * FROM roster_entries ORDER BY id').all()).toEqual(before);
    const indexes = db.prepare("SELECT name FROM pragma_index_list('roster_entries')").pluck().all();
    expect(indexes).toEqual(['roster_entries_page']);
    db.prepare('DELETE FROM rosters WHERE id = 7').run();
    expect(db.prepare('SELECT count(*) FROM roster_entries').pluck().get()).toBe(0);
    db.close();
  });
});

describe('statement reuse', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('hands back the statement prepared before for the same text, in its default mode', () => {
    const db = openDatabase(join(tmp.dir, 'reuse.db'));
    db.exec('CREATE TABLE t (n INTEGER)');
    db.prepare('INSERT INTO t (n) VALUES (?)').run(7);
    const first = db.prepare('SELECT n FROM t');
    expect(first.pluck().get()).toBe(7);
    const again = db.prepare('SELECT n FROM t');
    expect(again).toBe(first);
    // The earlier caller's pluck() does not carry over.
    expect(again.get()).toEqual({ n: 7 });
    expect(db.prepare('INSERT INTO t (n) VALUES (?)')).toBe(db.prepare('INSERT INTO t (n) VALUES (?)'));
    db.close();
  });

  it('gives a fresh statement while the kept one is still iterating', () => {
    const db = openDatabase(join(tmp.dir, 'busy.db'));
    db.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2)');
    const outer = db.prepare('SELECT n FROM t ORDER BY n');
    const seen: number[] = [];
    for (const row of outer.iterate() as Iterable<{ n: number }>) {
      const inner = db.prepare('SELECT n FROM t ORDER BY n');
      expect(inner).not.toBe(outer);
      seen.push(row.n, (inner.all() as { n: number }[]).length);
    }
    expect(seen).toEqual([1, 2, 2, 2]);
    expect(db.prepare('SELECT n FROM t ORDER BY n')).toBe(outer);
    db.close();
  });

  it('keeps at most STATEMENT_CACHE_SIZE statements, dropping the least recently used', () => {
    const db = openDatabase(join(tmp.dir, 'bound.db'));
    const oldest = db.prepare('SELECT 0');
    const recent = db.prepare('SELECT 1');
    for (let i = 2; i < STATEMENT_CACHE_SIZE; i++) db.prepare(`SELECT ${i}`);
    expect(db.prepare('SELECT 0')).toBe(oldest); // used again: now the most recent
    db.prepare(`SELECT ${STATEMENT_CACHE_SIZE}`); // one past the bound: 'SELECT 1' goes
    expect(db.prepare('SELECT 0')).toBe(oldest);
    expect(db.prepare('SELECT 1')).not.toBe(recent);
    db.close();
  });
});
