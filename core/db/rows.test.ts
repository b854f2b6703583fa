import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { computed, flag, int, json, nested, nullableFlag, nullableInt, nullableText, oneOf, rowMapper, text, type Row } from './rows.js';

interface Inner {
  a: number;
  b: number;
}

interface Thing {
  id: number;
  name: string;
  note: string | null;
  kind: 'x' | 'y';
  on: boolean;
  maybe: boolean | null;
  count: number | null;
  tags: string[];
  range: { from: number; to: number } | null;
  inner: Inner;
}

const THING = rowMapper<Thing>({
  id: int('id'),
  name: text('name'),
  note: nullableText('note'),
  kind: oneOf<'x' | 'y'>('kind'),
  on: flag('is_on'),
  maybe: nullableFlag('maybe'),
  count: nullableInt('n'),
  tags: json<string[]>('tags'),
  range: computed(['lo', 'hi'], (r) => (r.lo === null ? null : { from: r.lo as number, to: r.hi as number })),
  inner: nested(rowMapper<Inner>({ a: int('id'), b: int('inner_b') })),
});

describe('rowMapper', () => {
  it('reads a row as SQLite returns it: 0/1 as booleans, JSON text as values, several columns into one field', () => {
    const db = openDatabase(':memory:');
    db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, note TEXT, kind TEXT, is_on INTEGER, maybe INTEGER, n INTEGER, tags TEXT, lo INTEGER, hi INTEGER, inner_b INTEGER)`);
    db.prepare('INSERT INTO t VALUES (1, ?, NULL, ?, 1, NULL, NULL, ?, 3, 9, 4)').run('a', 'y', '["p","q"]');
    db.prepare('INSERT INTO t VALUES (2, ?, ?, ?, 0, 0, 7, ?, NULL, NULL, 5)').run('b', 'hello', 'x', '[]');
    const rows = db.prepare(`SELECT ${THING.select} FROM t ORDER BY id`).all() as Row[];
    expect(rows.map((r) => THING.read(r))).toEqual([
      { id: 1, name: 'a', note: null, kind: 'y', on: true, maybe: null, count: null, tags: ['p', 'q'], range: { from: 3, to: 9 }, inner: { a: 1, b: 4 } },
      { id: 2, name: 'b', note: 'hello', kind: 'x', on: false, maybe: false, count: 7, tags: [], range: null, inner: { a: 2, b: 5 } },
    ]);
    db.close();
  });

  it('lists each column once for the SELECT (a nested record may share one), in the order of the fields', () => {
    expect(THING.columns).toEqual(['id', 'name', 'note', 'kind', 'is_on', 'maybe', 'n', 'tags', 'lo', 'hi', 'inner_b']);
    expect(THING.select).toBe('id, name, note, kind, is_on, maybe, n, tags, lo, hi, inner_b');
  });

  it('writes the given fields back as their columns, and refuses a field read from several columns', () => {
    expect(THING.write({ name: 'c', on: true, maybe: null, tags: ['z'] })).toEqual({ columns: ['name', 'is_on', 'maybe', 'tags'], values: ['c', 1, null, '["z"]'] });
    expect(() => THING.write({ range: null })).toThrow(/range is read from lo, hi/);
  });
});
