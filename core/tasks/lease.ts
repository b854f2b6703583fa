import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';

/**
 * The right to write as the dialer: the lease's name, our holder id and the
 * epoch we took it at. Every write a dialer makes carries one, so a process
 * that lost the lease (paused, suspended, stalled past its TTL) changes
 * nothing when it wakes (docs/ARCHITECTURE.md, "Fencing").
 */
export interface Fence {
  readonly name: string;
  readonly holder: string;
  readonly epoch: number;
}

/** Thrown inside a write transaction whose fence is stale: the transaction rolls back. */
export class FencedError extends Error {
  constructor(readonly fence: Fence) {
    super(`This process no longer holds the ${fence.name} lease (epoch ${fence.epoch}); another process took it over.`);
    this.name = 'FencedError';
  }
}

/**
 * A condition for the WHERE clause of a single-statement write; bind
 * `fenceParams(fence)` where it appears. The statement changes nothing when
 * another process has taken the lease since.
 */
export const FENCE_SQL = 'EXISTS (SELECT 1 FROM leases WHERE name = ? AND holder = ? AND epoch = ?)';

export function fenceParams(fence: Fence): [string, string, number] {
  return [fence.name, fence.holder, fence.epoch];
}

/**
 * The guard of a multi-statement write: call it first inside an IMMEDIATE
 * transaction (the write lock is already ours, so no take-over can slip in
 * between the check and the writes). Throws FencedError, which rolls the
 * transaction back.
 */
export function assertFence(db: Db, fence: Fence): void {
  const ok = db.prepare(`SELECT ${FENCE_SQL} AS ok`).get(...fenceParams(fence)) as { ok: number };
  if (ok.ok !== 1) throw new FencedError(fence);
}

export interface LeaseTiming {
  /** Monotonic milliseconds (performance.now): does not jump with the wall clock and, on Linux, stops during suspend. */
  monotonic?: () => number;
}

/** A wall-clock gap this much larger than the monotonic one means the machine slept (or the clock was set). */
const SUSPEND_SKEW_MS = 2_000;

/**
 * Only one process dials per data folder: the desktop app and `autocall run`
 * compete for this lease in the database. It is renewed while held and taken
 * over only after it has expired, so a crashed holder blocks dialing for at
 * most one TTL.
 *
 * Each take-over increments the lease's epoch. Expiry is wall-clock time in
 * the row (the only clock two processes share), so it decides only *when*
 * another process may take over (liveness); safety comes from the epoch:
 * every dialer write is fenced by it (FENCE_SQL, assertFence), so a holder
 * that was paused past its TTL and wakes up believing it still dials
 * changes nothing. Locally, how long we have held it since the last renewal
 * is measured on the monotonic clock, and a jump of the wall clock against
 * it (suspend and resume) is reported so the engine re-checks the lease
 * before anything else.
 */
export class Lease {
  readonly holder: string;
  private readonly monotonic: () => number;
  /** The epoch we hold, or null. */
  private epoch: number | null = null;
  /** Monotonic and wall time of the last successful take-over or renewal. */
  private renewedMono = Number.NEGATIVE_INFINITY;
  private renewedWall = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly name = 'dialer',
    readonly ttlMs = 15_000,
    timing: LeaseTiming = {},
  ) {
    this.holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.monotonic = timing.monotonic ?? (() => performance.now());
  }

  /**
   * Takes or renews the lease. Returns 'acquired' when this call took it
   * (a new epoch: the caller must recover what the previous holder left in
   * flight), 'renewed' when we still held it at our epoch (even if it had
   * expired meanwhile: nobody took it, so nothing of ours was recovered),
   * or null when another process holds it.
   */
  tryAcquire(): 'acquired' | 'renewed' | null {
    // IMMEDIATE: take the write lock before reading, so two processes cannot both see it free.
    return this.db
      .transaction(() => {
        // Read the clocks under the write lock: waiting for it (busy timeout) must not shorten the lease.
        const now = this.clock.now();
        const mono = this.monotonic();
        const row = this.db.prepare('SELECT holder, expires_at, epoch FROM leases WHERE name = ?').get(this.name) as
          | { holder: string; expires_at: number; epoch: number }
          | undefined;
        if (row && row.holder === this.holder && row.epoch === this.epoch) {
          this.db.prepare('UPDATE leases SET expires_at = ? WHERE name = ?').run(now + this.ttlMs, this.name);
          this.renewedMono = mono;
          this.renewedWall = now;
          return 'renewed' as const;
        }
        if (row && row.expires_at > now) {
          this.epoch = null;
          return null;
        }
        const epoch = (row?.epoch ?? 0) + 1;
        this.db
          .prepare(
            `INSERT INTO leases (name, holder, expires_at, epoch) VALUES (?, ?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, epoch = excluded.epoch`,
          )
          .run(this.name, this.holder, now + this.ttlMs, epoch);
        this.epoch = epoch;
        this.renewedMono = mono;
        this.renewedWall = now;
        return 'acquired' as const;
      })
      .immediate();
  }

  /** The fence of the epoch we hold, or null. */
  fence(): Fence | null {
    return this.epoch === null ? null : { name: this.name, holder: this.holder, epoch: this.epoch };
  }

  /** Forgets our epoch after a write found it stale (the engine stops dialing). */
  lost(): void {
    this.epoch = null;
  }

  /**
   * What happened to time since the last renewal: how long on the monotonic
   * clock (longer than the TTL: we were stalled and may have lost the lease)
   * and whether the wall clock moved much further (resumed from suspend).
   */
  sinceRenewal(): { monoMs: number; wallMs: number; suspendedMs: number; lapsed: boolean } {
    const monoMs = this.monotonic() - this.renewedMono;
    const wallMs = this.clock.now() - this.renewedWall;
    const skew = wallMs - monoMs;
    return { monoMs, wallMs, suspendedMs: skew > SUSPEND_SKEW_MS ? skew : 0, lapsed: !(monoMs < this.ttlMs) };
  }

  /** Whether we hold it now, as the store says (engine status). */
  holds(): boolean {
    const row = this.db.prepare('SELECT holder, expires_at, epoch FROM leases WHERE name = ?').get(this.name) as
      | { holder: string; expires_at: number; epoch: number }
      | undefined;
    return row !== undefined && row.holder === this.holder && row.epoch === this.epoch && row.expires_at > this.clock.now();
  }

  /** Who holds it now, for the message "another AutoCall process is dialing". */
  currentHolder(): string | null {
    const row = this.db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(this.name) as
      | { holder: string; expires_at: number }
      | undefined;
    return row && row.expires_at > this.clock.now() ? row.holder : null;
  }

  /**
   * Lets the next process take over at once. The row (and its epoch) stays,
   * so the next take-over still moves the epoch on and fences anything of ours.
   */
  release(): void {
    if (this.epoch !== null) {
      this.db.prepare('UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ? AND epoch = ?').run(this.name, this.holder, this.epoch);
    }
    this.epoch = null;
  }
}
