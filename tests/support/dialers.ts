import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { counterMismatches, type CounterMismatch } from '../../core/tasks/counters.js';
import type { Db } from '../../core/db/database.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Dialer {
  child: ChildProcess;
  /**
   * A signal to the dialer's whole process group: the CLI and the core host
   * it forked for `run`. A suspended laptop or a SIGKILL of the app stops
   * both at once; signalling the CLI alone would leave the host dialing.
   */
  signal(sig: NodeJS.Signals): boolean;
  /** Resolves when the process ends: its exit code (null when killed by a signal) and its standard error. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** `autocall run --until-idle` on a data folder, as a real process (the CLI the user runs). */
export function startDialer(dataDir: string, env: Record<string, string>): Dialer {
  const child = spawn(process.execPath, [join(ROOT, 'bin/autocall.mjs'), '--data-dir', dataDir, '--json', 'run', '--until-idle'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group, so signal() reaches the forked core host too.
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise({ code, signal, stderr }));
  });
  const signal = (sig: NodeJS.Signals): boolean => {
    try {
      process.kill(-child.pid!, sig);
      return true;
    } catch {
      return false;
    }
  };
  return { child, exited, signal };
}

/** One CLI command to its end (e.g. `task retry-uncertain 1`): the user acting while dialers run. */
export function runCli(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/autocall.mjs'), '--data-dir', dataDir, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

export function journalLines(journal: string): string[] {
  return existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter(Boolean) : [];
}

export interface TaskAudit {
  /** Numbers dialled more often than their first call plus the user's "call uncertain numbers again". */
  dialledTwiceWithoutRetry: string[];
  /** Numbers that reached the SMS provider more than once. */
  smsTwice: string[];
  counterMismatches: CounterMismatch[];
  /** Numbers not done (pending, dialing, waiting, or still uncertain). */
  unresolved: number;
  calls: number;
  uncertainAttempts: number;
}

/**
 * What the crash, fencing and soak tests check after real processes ran a
 * task. A number may be dialled again only after an attempt of it was marked
 * uncertain (each such attempt is one user's retry at most: the task has no
 * automatic retries), so dials <= 1 + uncertain attempts; every dial must
 * also have its attempt row.
 */
export function auditTask(db: Db, taskId: number, calls: string[], sms: string[]): TaskAudit {
  const byNumber = new Map<string, { uncertain: number; attempts: number }>();
  for (const r of db
    .prepare(
      `SELECT n.phone_e164 AS phone, count(a.id) AS attempts, sum(a.state = 'uncertain') AS uncertain
       FROM task_numbers n LEFT JOIN call_attempts a ON a.task_number_id = n.id WHERE n.task_id = ? GROUP BY n.id`,
    )
    .all(taskId) as { phone: string; attempts: number; uncertain: number | null }[]) {
    byNumber.set(r.phone, { attempts: r.attempts, uncertain: r.uncertain ?? 0 });
  }
  const dials = new Map<string, number>();
  for (const to of calls) dials.set(to, (dials.get(to) ?? 0) + 1);
  const twice: string[] = [];
  for (const [to, n] of dials) {
    const row = byNumber.get(to);
    if (!row || n > 1 + row.uncertain || n > row.attempts) twice.push(to);
  }
  const smsCount = new Map<string, number>();
  for (const to of sms) smsCount.set(to, (smsCount.get(to) ?? 0) + 1);
  const unresolved = (db.prepare("SELECT count(*) AS n FROM task_numbers WHERE task_id = ? AND state <> 'done'").get(taskId) as { n: number }).n;
  let uncertainAttempts = 0;
  for (const r of byNumber.values()) uncertainAttempts += r.uncertain;
  return {
    dialledTwiceWithoutRetry: twice,
    smsTwice: [...smsCount].filter(([, n]) => n > 1).map(([to]) => to),
    counterMismatches: counterMismatches({ db }, taskId),
    unresolved,
    calls: calls.length,
    uncertainAttempts,
  };
}
