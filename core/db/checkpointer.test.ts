import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../tests/support/tmp.js';
import type { Logger } from '../log.js';
import type { CheckpointReport } from './checkpoint.worker.js';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, Checkpointer, type CheckpointPace } from './checkpointer.js';
import { openDatabase, type Db } from './database.js';

function quietLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { info: () => {}, warn: (message) => warnings.push(message), error: () => {}, warnings };
}

/** Commits `n` transactions of about 4 KB each: roughly one WAL page apiece. */
function write(db: Db, n: number): void {
  const insert = db.prepare('INSERT INTO t (text) VALUES (?)');
  for (let i = 0; i < n; i++) insert.run('x'.repeat(4000));
}

describe('Checkpointer', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  /** A store with a table to write to, its checkpointer at `pace`, and the reports it posts. */
  function start(name: string, pace: CheckpointPace): { db: Db; checkpointer: Checkpointer; reports: CheckpointReport[] } {
    const db = openDatabase(join(tmp.dir, name));
    db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, text TEXT)');
    const checkpointer = new Checkpointer(db, undefined, quietLog(), pace);
    const reports: CheckpointReport[] = [];
    checkpointer.onReport((r) => reports.push(r));
    return { db, checkpointer, reports };
  }

  it('copies the WAL into the database on its own thread while the writer never checkpoints below the backstop', async () => {
    const { db, checkpointer, reports } = start('a.db', { intervalMs: 10, quietMs: 50, maxDeferMs: 60_000 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_AUTOCHECKPOINT_PAGES);
    write(db, 1500); // past SQLite's own 1,000-page trigger, which the writer no longer pulls
    await vi.waitFor(
      () => {
        const last = reports.at(-1);
        expect(last && 'walFrames' in last && last.walFrames >= 1500 && last.checkpointed === last.walFrames).toBe(true);
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(reports.some((r) => 'failed' in r)).toBe(false);
    expect(checkpointer.running).toBe(true);
    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    expect((db.prepare('SELECT count(*) FROM t').pluck().get() as number)).toBe(1500);
    db.close();
  });

  it('waits while the writer keeps committing, and checkpoints once it pauses or the wait grows too long', async () => {
    const { db, checkpointer, reports } = start('c.db', { intervalMs: 10, quietMs: 300, maxDeferMs: 60_000 });
    await new Promise((r) => setTimeout(r, 100)); // what opening left is checkpointed first
    reports.length = 0;
    // A commit every 20 ms for 0.6 s: never the 300 ms of quiet it waits for.
    for (let i = 0; i < 30; i++) {
      write(db, 5);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(reports).toEqual([]);
    await vi.waitFor(() => expect(reports.length).toBeGreaterThan(0), { timeout: 5000, interval: 20 });
    await checkpointer.stop();

    // Writes that never pause still get a checkpoint, maxDeferMs after the last one.
    db.close();
    const overdue = start('c.db', { intervalMs: 10, quietMs: 60_000, maxDeferMs: 200 });
    for (let i = 0; i < 40 && overdue.reports.length === 0; i++) {
      write(overdue.db, 5);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(overdue.reports.length).toBeGreaterThan(0);
    await overdue.checkpointer.stop();
    overdue.db.close();
  });

  it('when it cannot open the store, the writer checkpoints itself again and the log says why', async () => {
    const db = openDatabase(join(tmp.dir, 'b.db'));
    const log = quietLog();
    const moved = join(tmp.dir, 'gone');
    mkdirSync(moved);
    // The worker opens the file by the connection's name: give it one that is a folder.
    const checkpointer = new Checkpointer(Object.create(db, { name: { value: moved } }) as Db, undefined, log, { intervalMs: 10, quietMs: 50, maxDeferMs: 60_000 });
    await vi.waitFor(() => expect(log.warnings).toEqual(['store checkpointer stopped: the writer checkpoints itself again']));
    expect(checkpointer.running).toBe(false);
    await checkpointer.stop(); // already ended: resolves at once
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
  });
});
