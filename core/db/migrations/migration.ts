import type { Database } from 'better-sqlite3';

export interface Migration {
  name: string;
  up(db: Database): void;
}

/**
 * A migration that is one SQL script, run as written. The script's text is
 * kept as it was first released: SQLite stores a CREATE statement's text in
 * sqlite_master, so even its white space is part of what the migration does.
 */
export function sqlMigration(name: string, sql: string): Migration {
  return {
    name,
    up(db) {
      db.exec(sql);
    },
  };
}
