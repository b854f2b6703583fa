/**
 * Task table and detail pages with 1,000 tasks and 1,000,000 call rows in
 * the store: time per page query (target under 50 ms). Builds the store
 * once under bench/.work/ (a few minutes), then times the queries the UI
 * makes through the real TaskService.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase, type Db } from '../core/db/database.js';
import { silentLogger } from '../core/log.js';
import { TaskFigures } from '../core/tasks/taskFigures.js';
import { TaskService } from '../core/tasks/taskService.js';
import type { CoreContext } from '../core/context.js';
import { OUTCOMES } from '../shared/types.js';

const WORK = join(import.meta.dirname, '.work');
const FILE = join(WORK, 'tasks-1m.db');
const TASKS = 1000;
const CALLS = 1_000_000;

function build(db: Db): void {
  const now = Date.now();
  db.transaction(() => {
    db.prepare(
      "INSERT INTO recordings (id, name, original_file_name, sha256, size_bytes, duration_ms, source_sample_rate, source_channels, created_at) VALUES (1, 'r', 'r.mp3', ?, 1, 1, 8000, 1, 0)",
    ).run('a'.repeat(64));
    const task = db.prepare(
      `INSERT INTO tasks (id, name, recording_id, recording_name, roster_id, roster_name, status, start_at, scheduled, dry_run, total, n_done, created_at, updated_at)
       VALUES (?, ?, 1, 'r', NULL, 'roster', 'completed', ?, 0, 1, ?, ?, ?, ?)`,
    );
    const number = db.prepare(
      "INSERT INTO task_numbers (id, task_id, row_number, phone_e164, variables, state, outcome, attempts, updated_at) VALUES (?, ?, ?, ?, '{\"name\":\"x\"}', 'done', ?, 1, ?)",
    );
    const attempt = db.prepare(
      "INSERT INTO call_attempts (task_id, task_number_id, attempt_no, state, outcome, final_status, dry_run, started_at, ended_at) VALUES (?, ?, 1, 'ended', ?, 200, 1, ?, ?)",
    );
    const perTask = CALLS / TASKS;
    let id = 0;
    for (let t = 1; t <= TASKS; t++) {
      task.run(t, `Task ${t}`, now, perTask, perTask, now, now);
      for (let i = 0; i < perTask; i++) {
        id++;
        const outcome = OUTCOMES[id % OUTCOMES.length]!;
        number.run(id, t, i + 2, `+62812${String(id).padStart(8, '0')}`, outcome, now);
        attempt.run(t, id, outcome, now, now);
      }
    }
  })();
}

function time(label: string, fn: () => unknown, runs = 50): void {
  fn(); // warm the page cache and statement cache
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const p = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(2);
  console.log(`${label.padEnd(48)} p50 ${p(0.5)} ms   p99 ${p(0.99)} ms   max ${samples[samples.length - 1]!.toFixed(2)} ms`);
}

export async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  if (!existsSync(FILE)) {
    console.log(`building ${TASKS} tasks with ${CALLS.toLocaleString('en')} numbers and call rows (once) ...`);
    const t0 = performance.now();
    const db = openDatabase(FILE);
    try {
      build(db);
    } catch (err) {
      db.close();
      rmSync(FILE, { force: true });
      throw err;
    }
    db.close();
    console.log(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const db = openDatabase(FILE);
  const ctx = { db, clock: { now: () => Date.now() }, log: silentLogger, emit: () => {} } as unknown as CoreContext;
  const tasks = new TaskService(ctx, { isDryRun: () => true });
  console.log(`\nTask table and detail pages (${TASKS} tasks, ${CALLS.toLocaleString('en')} call rows):`);
  time('task table, first page (20)', () => tasks.list(1, 20));
  time('task table, last page (20)', () => tasks.list(50, 20));
  time('detail, first page (50), all outcomes', () => tasks.numbers(500, 'all', 1, 50));
  time('detail, last page (50), all outcomes', () => tasks.numbers(500, 'all', 20, 50));
  time('detail, page 3 filtered by outcome busy', () => tasks.numbers(500, 'busy', 3, 50));
  time('detail, page 1 filtered by outcome answered', () => tasks.numbers(999, 'answered', 1, 50));
  time('detail, search by number (0812...)', () => tasks.numbers(500, 'all', 1, 50, '081200499', 'name'));
  time('detail, search by name', () => tasks.numbers(500, 'all', 1, 50, 'x', 'name'));

  // The supervisor's view (issue 9): computed with SQL over covering indexes (migration 0006).
  const deps = {
    engineStatus: () => ({ dialing: true, otherHolder: null, activeCalls: 0, gateway: 'dryRun' as const, gatewayState: 'dryRun' as const, gatewayError: null, tasksWaitingForGateway: 0 }),
    activeCallsOf: () => 0,
    channelLimit: () => 30,
  };
  const built = db.prepare('SELECT max(ended_at) FROM call_attempts').pluck().get() as number;
  const at = (t: number) => Object.assign(ctx, { clock: { now: () => t } });
  // Every call row ended within one minute: far more than a day of any office gateway, the worst case for "today".
  at(built + 120_000);
  console.log(`\nSupervisor's view, ${CALLS.toLocaleString('en')} calls ended today:`);
  time('dashboard.get, first of the day (reads every call)', () => new TaskFigures(ctx, deps).dashboard(), 5);
  const figures = new TaskFigures(ctx, deps);
  time('dashboard.get, refresh (minutes over are kept)', () => figures.dashboard());
  at(built + 86_400_000 * 2);
  time('dashboard.get, a day with no calls yet', () => new TaskFigures(ctx, deps).dashboard());
  time('task.stats, a task of 1,000 numbers', () => figures.task(500));
  db.close();
}
