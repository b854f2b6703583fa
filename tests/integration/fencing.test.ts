import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CoreContext } from '../../core/context.js';
import { openDatabase } from '../../core/db/database.js';
import { silentLogger } from '../../core/log.js';
import { dataPaths } from '../../core/paths.js';
import { TaskService } from '../../core/tasks/taskService.js';
import { auditTask, journalLines, runCli, startDialer, type Dialer } from '../support/dialers.js';
import { seedActiveSmsAccount, seedRecording, seedRoster, seedTemplate } from '../support/seed.js';
import { makeTempDir } from '../support/tmp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 11: a dialer paused past its lease (SIGSTOP, a sleeping laptop)
 * must change nothing when it wakes; with a 200 ms lease two dialers must
 * not count the task twice. Real processes of the CLI, dry-run gateway,
 * every call and SMS journaled where a real one would leave the machine.
 */
describe('fencing between real dialer processes', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  const started: Dialer[] = [];
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(async () => {
    for (const d of started.splice(0)) {
      if (d.child.exitCode === null && d.child.signalCode === null) {
        d.signal('SIGCONT');
        d.signal('SIGKILL');
        await d.exited;
      }
    }
    tmp.cleanup();
  });

  function seedTask(numbers: number): number {
    const db = openDatabase(dataPaths(tmp.dir).database);
    try {
      const ctx = { db, clock: { now: () => Date.now() }, log: silentLogger, emit: () => {} } as unknown as CoreContext;
      seedActiveSmsAccount(db);
      return new TaskService(ctx, { isDryRun: () => true }).create({
        name: 'Fencing Test',
        recordingId: seedRecording(db),
        rosterId: seedRoster(db, numbers),
        smsDisconnectTemplateId: seedTemplate(db, 'Thanks {name}'),
        smsUnansweredTemplateId: seedTemplate(db, 'Missed you {name}'),
      }).id;
    } finally {
      db.close();
    }
  }

  function dialer(env: Record<string, string>): Dialer {
    const d = startDialer(tmp.dir, env);
    started.push(d);
    return d;
  }

  /** The user's "call uncertain numbers again" and one more run, until nothing is uncertain (bounded). */
  async function resolveUncertain(taskId: number, env: Record<string, string>): Promise<number> {
    let retries = 0;
    for (let round = 0; round < 5; round++) {
      const db = openDatabase(dataPaths(tmp.dir).database);
      const left = (db.prepare("SELECT count(*) AS n FROM task_numbers WHERE task_id = ? AND state = 'uncertain'").get(taskId) as { n: number }).n;
      db.close();
      if (left === 0) break;
      expect((await runCli(tmp.dir, ['task', 'retry-uncertain', String(taskId)])).code).toBe(0);
      retries++;
      expect((await dialer(env).exited).code).toBe(0);
    }
    return retries;
  }

  function audit(taskId: number, journal: string) {
    const lines = journalLines(journal);
    const db = openDatabase(dataPaths(tmp.dir).database);
    try {
      const calls = lines.filter((l) => l.startsWith('call ')).map((l) => l.slice(5));
      const sms = lines.filter((l) => l.startsWith('sms ')).map((l) => l.slice(4));
      return auditTask(db, taskId, calls, sms);
    } finally {
      db.close();
    }
  }

  async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  /** What both runs must end with: the four audit figures at zero and the task completed with every number done. */
  function expectCleanEnd(taskId: number, journal: string, total: number): ReturnType<typeof audit> {
    const result = audit(taskId, journal);
    expect(result.dialledTwiceWithoutRetry).toEqual([]);
    expect(result.smsTwice).toEqual([]);
    expect(result.counterMismatches).toEqual([]);
    expect(result.unresolved).toBe(0);
    const check = openDatabase(dataPaths(tmp.dir).database);
    try {
      expect(check.prepare('SELECT status, n_done FROM tasks WHERE id = ?').get(taskId)).toEqual({ status: 'completed', n_done: total });
    } finally {
      check.close();
    }
    return result;
  }

  it('stop, take-over, retry-uncertain, continue: no double dial, counters equal to the rows', async () => {
    const taskId = seedTask(40);
    const journal = join(tmp.dir, 'journal.txt');
    const env = {
      AUTOCALL_DRY_RUN_CALL_MS: '3000',
      AUTOCALL_DRY_RUN_CHANNELS: '6',
      AUTOCALL_DRY_RUN_CPS: '20',
      AUTOCALL_DRY_RUN_JOURNAL: journal,
      AUTOCALL_LEASE_TTL_MS: '1500',
    };
    const first = dialer(env);
    // The issue stops it 4 s in; on a loaded machine the CLI may take that long to start, so wait for its first calls.
    await waitFor('the first calls', () => journalLines(journal).length >= 3, 30_000);
    await sleep(1000);
    expect(first.signal('SIGSTOP')).toBe(true);

    const second = dialer(env);
    // The second takes the lease once the first's has expired, and recovers its calls as uncertain.
    const db = openDatabase(dataPaths(tmp.dir).database);
    try {
      const uncertain = () => db.prepare("SELECT id FROM task_numbers WHERE state = 'uncertain'").pluck().all() as number[];
      await waitFor('the take-over', () => uncertain().length > 0, 20_000);
      const retried = uncertain();
      expect((await runCli(tmp.dir, ['task', 'retry-uncertain', String(taskId)])).code).toBe(0);
      // The second dials the retried numbers before the first wakes, as in the issue.
      const stillPending = db.prepare(`SELECT count(*) FROM task_numbers WHERE state = 'pending' AND id IN (${retried.join(',')})`).pluck();
      await waitFor('the retried numbers to be dialled', () => stillPending.get() === 0, 30_000);
    } finally {
      db.close();
    }
    first.signal('SIGCONT');

    expect((await second.exited).code).toBe(0);
    const firstEnd = await first.exited;
    expect(firstEnd.code).toBe(0);
    await resolveUncertain(taskId, env);

    const result = expectCleanEnd(taskId, journal, 40);
    expect(result.uncertainAttempts).toBeGreaterThan(0); // the stop really left calls in flight
  }, 120_000);

  it('two dialers with a 200 ms lease: no double dial, counters equal to the rows', async () => {
    const taskId = seedTask(80);
    const journal = join(tmp.dir, 'journal.txt');
    // The dry run's default pace (10 channels, 5 calls a second), shorter calls: ticks come 250 ms apart, longer than the lease.
    const env = {
      AUTOCALL_DRY_RUN_CALL_MS: '1000',
      AUTOCALL_DRY_RUN_CHANNELS: '10',
      AUTOCALL_DRY_RUN_CPS: '5',
      AUTOCALL_DRY_RUN_JOURNAL: journal,
      AUTOCALL_LEASE_TTL_MS: '200',
    };
    const [a, b] = [dialer(env), dialer(env)];
    const ends = await Promise.all([a.exited, b.exited]);
    expect(ends.map((e) => e.code)).toEqual([0, 0]);
    await resolveUncertain(taskId, env);

    expectCleanEnd(taskId, journal, 80);
  }, 120_000);
});
