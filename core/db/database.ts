import Database, { type Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** Path to a better_sqlite3.node built for the running runtime (Electron or Node). */
  nativeBinding?: string;
}

/**
 * Opens (creating if needed) the store and brings it to the newest schema.
 * WAL lets the command line read while the desktop app writes; the busy
 * timeout covers the short write transactions of the other process.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    reuseStatements(db);
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Distinct statements kept for reuse; the app writes fewer than this, so in practice none is ever prepared twice. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Makes `db.prepare(sql)` hand back the statement it prepared before for the
 * same text (least recently used dropped past STATEMENT_CACHE_SIZE), as
 * Signal-Desktop's statement cache does. The services prepare where they
 * query, which reads well, but each better-sqlite3 Statement is a native
 * object that V8 finalises through a weak handle: with 1,000 calls streaming,
 * the core host prepared tens of thousands a second, and finalising them
 * took 40-57 ms of a single young-generation collection
 * (`--trace-gc-nvp`: heap.external_weak_global_handles), a pause that every
 * request waited through (issue 8). Compiling the SQL each time cost CPU too.
 *
 * A reused statement is handed back in its default mode (pluck off), so a
 * caller's `.pluck()` never leaks into the next caller's rows; one that is
 * still running (an open iterate()) is not shared: that caller gets a fresh one.
 */
function reuseStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Statement>();
  db.prepare = ((source: string): Statement => {
    const kept = cache.get(source);
    if (kept && !kept.busy) {
      cache.delete(source);
      cache.set(source, kept);
      return kept.reader ? kept.pluck(false) : kept;
    }
    const statement = prepare(source);
    if (kept) return statement;
    cache.set(source, statement);
    if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return statement;
  }) as Db['prepare'];
}

/**
 * Runs every pending migration in one transaction (Signal-Desktop's runner):
 * either the database reaches the newest version or it stays as it was.
 * A database written by a newer version of the app is refused, never
 * downgraded.
 */
export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = MIGRATIONS.length;
  if (current > latest) {
    throw new AppError('store.tooNew', { found: current, known: latest });
  }
  if (current === latest) return;
  db.transaction(() => {
    for (let version = current + 1; version <= latest; version++) {
      const migration = MIGRATIONS[version - 1]!;
      migration.up(db);
      db.pragma(`user_version = ${version}`);
    }
  })();
}
