import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';

/**
 * Only one process dials per data folder: the desktop app and `autocall run`
 * compete for this lease in the database. It is renewed while held and taken
 * over only after it has expired, so a crashed holder blocks dialing for at
 * most one TTL and two live processes never both dial.
 */
export class Lease {
  readonly holder: string;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly name = 'dialer',
    readonly ttlMs = 15_000,
  ) {
    this.holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /**
   * Takes or renews the lease. Returns 'acquired' when this call took it
   * from nobody or from an expired holder (the caller must then recover what
   * that holder left in flight), 'renewed' when we already held it, or null.
   */
  tryAcquire(): 'acquired' | 'renewed' | null {
    const now = this.clock.now();
    // IMMEDIATE: take the write lock before reading, so two processes cannot both see it free.
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(this.name) as
          | { holder: string; expires_at: number }
          | undefined;
        if (row && row.holder !== this.holder && row.expires_at > now) return null;
        this.db
          .prepare(
            `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`,
          )
          .run(this.name, this.holder, now + this.ttlMs);
        return row?.holder === this.holder ? 'renewed' : 'acquired';
      })
      .immediate();
  }

  holds(): boolean {
    const row = this.db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(this.name) as
      | { holder: string; expires_at: number }
      | undefined;
    return row !== undefined && row.holder === this.holder && row.expires_at > this.clock.now();
  }

  /** Who holds it now, for the message "another AutoCall process is dialing". */
  currentHolder(): string | null {
    const row = this.db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(this.name) as
      | { holder: string; expires_at: number }
      | undefined;
    return row && row.expires_at > this.clock.now() ? row.holder : null;
  }

  release(): void {
    this.db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(this.name, this.holder);
  }
}
