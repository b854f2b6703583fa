import Database from 'better-sqlite3';
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
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
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
