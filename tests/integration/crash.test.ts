import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/db/database.js';
import { dataPaths } from '../../core/paths.js';
import { TaskService } from '../../core/tasks/taskService.js';
import { silentLogger } from '../../core/log.js';
import { seedActiveSmsAccount, seedRecording, seedRoster, seedTemplate } from '../support/seed.js';
import { makeTempDir } from '../support/tmp.js';
import type { CoreContext } from '../../core/context.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NUMBERS = 500;

/** Runs `autocall run --until-idle` and SIGKILLs it after killAfterMs (or lets it finish). */
function runDialer(dataDir: string, journal: string, killAfterMs: number | null): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/autocall.mjs'), '--data-dir', dataDir, '--json', 'run', '--until-idle'], {
      env: {
        ...process.env,
        AUTOCALL_DRY_RUN_CALL_MS: '200',
        AUTOCALL_DRY_RUN_CHANNELS: '10',
        AUTOCALL_DRY_RUN_CPS: '200',
        AUTOCALL_DRY_RUN_JOURNAL: journal,
        AUTOCALL_LEASE_TTL_MS: '1500',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: the kill reaches the core host `run` forked, at the same moment.
      detached: true,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    let killed = false;
    const timer = killAfterMs === null ? undefined : setTimeout(() => ((killed = true), process.kill(-child.pid!, 'SIGKILL')), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      if (!killed && code !== 0) reject(new Error(`dialer exited ${code}: ${stderr}`));
      else resolvePromise({ code, killed });
    });
  });
}

describe('crash safety: SIGKILL at random moments during a 500-number task', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('calls no number twice, sends no SMS twice, and the task carries on to the end', async () => {
    const dataDir = tmp.dir;
    const journal = join(dataDir, 'journal.txt');
    const db = openDatabase(dataPaths(dataDir).database);
    const ctx = { db, clock: { now: () => Date.now() }, log: silentLogger, emit: () => {} } as unknown as CoreContext;
    seedActiveSmsAccount(db);
    const task = new TaskService(ctx, { isDryRun: () => true }).create({
      name: 'Crash Test',
      recordingId: seedRecording(db),
      rosterId: seedRoster(db, NUMBERS),
      smsDisconnectTemplateId: seedTemplate(db, 'Thanks {name}'),
      smsUnansweredTemplateId: seedTemplate(db, 'Missed you {name}'),
    });
    db.close();

    // A seeded sequence of kill delays so a failure can be replayed.
    let seed = 12345;
    const nextDelay = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), 900 + (seed % 1600));
    let kills = 0;
    for (let round = 0; round < 40; round++) {
      const { killed } = await runDialer(dataDir, journal, round < 12 ? nextDelay() : null);
      if (!killed) break;
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(5);

    const lines = existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n') : [];
    const calls = lines.filter((l) => l.startsWith('call '));
    const sms = lines.filter((l) => l.startsWith('sms '));
    expect(new Set(calls).size).toBe(calls.length);
    expect(new Set(sms).size).toBe(sms.length);

    const check = openDatabase(dataPaths(dataDir).database);
    try {
      const t = check.prepare('SELECT status, n_done, n_uncertain, n_sms_sent FROM tasks WHERE id = ?').get(task.id) as {
        status: string;
        n_done: number;
        n_uncertain: number;
        n_sms_sent: number;
      };
      expect(t.status).toBe('completed');
      expect(t.n_done).toBe(NUMBERS);
      const states = check.prepare('SELECT state, count(*) AS n FROM task_numbers WHERE task_id = ? GROUP BY state').all(task.id) as { state: string; n: number }[];
      expect(states.filter((s) => s.state !== 'done' && s.state !== 'uncertain')).toEqual([]);
      // Every number the gateway was asked to call has a record, and only those.
      const attempted = check.prepare('SELECT count(*) AS n FROM task_numbers WHERE task_id = ? AND attempts > 0').get(task.id) as { n: number };
      expect(calls.length).toBeLessThanOrEqual(attempted.n);
      expect(attempted.n - calls.length).toBeLessThanOrEqual(kills); // at most one claimed-but-not-placed call per kill
      // Every SMS the store calls sent reached the "provider" once; uncertain ones were not repeated.
      expect(sms.length).toBeGreaterThanOrEqual(t.n_sms_sent);
      const counters = check.prepare('SELECT count(*) AS n FROM task_numbers WHERE task_id = ? AND state = ?').get(task.id, 'uncertain') as { n: number };
      expect(counters.n).toBe(t.n_uncertain);
      console.log(`crash test: ${kills} kills, ${calls.length} calls placed, ${t.n_uncertain} uncertain, ${sms.length} SMS`);
    } finally {
      check.close();
    }
  }, 300_000);
});
