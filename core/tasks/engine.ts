import type { CallOutcome } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { problem, problemOf } from '../errors.js';
import { insideWindow } from './callingWindow.js';
import type { Lease } from './lease.js';
import { counterFor, RETRYABLE, smsKindFor } from './outcomes.js';
import { recoverInterrupted } from './recovery.js';
import type { SmsOutbox } from './smsOutbox.js';
import { attemptErrorColumns } from './storedErrors.js';
import type { CallPlacer, CallReport } from './types.js';

export interface EngineDeps {
  /**
   * The gateway for tasks of one kind: dry-run tasks always go to the dry-run
   * gateway; real tasks to the SIP gateway, or null while none is configured
   * (they wait). A task never changes kind.
   */
  placer: (dryRun: boolean) => CallPlacer | null;
  lease: Lease;
  outbox: SmsOutbox;
  /** Milliseconds between safety-net ticks; the scheduler and user actions wake the engine sooner. */
  tickMs?: number;
  /** A task that starts more than this after its time is marked "started late". */
  lateAfterMs?: number;
}

interface RunningTaskRow {
  id: number;
  recording_id: number;
  max_attempts: number;
  retry_interval_ms: number;
  window_start: string | null;
  window_end: string | null;
  dry_run: number;
}

interface InFlight {
  taskId: number;
  dryRun: boolean;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The dialing engine: calls the numbers of running tasks within the
 * gateway's channels and calls-per-second, shared round-robin between
 * tasks. Every attempt is written (in_flight) before the call is placed
 * and updated when it ends, in one transaction with the number's state,
 * the task counters and the SMS outbox row, so a kill at any moment leaves
 * a consistent store (see recovery.ts for the restart side).
 */
export class DialingEngine {
  private readonly inFlight = new Map<number, InFlight>(); // by call attempt id
  /** Call start times within the last second, per gateway (real, dry run). */
  private readonly recentStarts: Record<'real' | 'dryRun', number[]> = { real: [], dryRun: [] };
  private readonly dirty = new Set<number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private wokenWhileTicking = false;
  private rotation = 0;

  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: EngineDeps,
  ) {}

  get activeCalls(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops placing calls; waits for connected calls to end (their results are still recorded). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await this.idle();
    await this.deps.outbox.idle();
    this.deps.lease.release();
  }

  /** Runs a tick soon: after a user action or a scheduler wake-up. */
  wake(): void {
    if (this.running) this.schedule(0);
  }

  /** Resolves when no call is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()].map((c) => c.done));
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runTick(), delay);
  }

  private async runTick(): Promise<void> {
    if (this.ticking) {
      // A wake-up during a tick (a call ended, a user action) gets its own tick right after.
      this.wokenWhileTicking = true;
      return;
    }
    this.wokenWhileTicking = false;
    this.ticking = this.tick().catch((err) => this.ctx.log.error('engine tick failed', { error: String(err) }));
    await this.ticking;
    this.ticking = undefined;
    if (this.running) this.schedule(this.wokenWhileTicking ? 0 : this.nextDelay());
  }

  private nextDelay(): number {
    const base = this.deps.tickMs ?? 250;
    // When only the calls-per-second limit holds us back, come back when the oldest start leaves the window.
    const starts = [this.recentStarts.real[0], this.recentStarts.dryRun[0]].filter((t): t is number => t !== undefined);
    if (starts.length === 0) return base;
    return Math.max(5, Math.min(base, Math.min(...starts) + 1000 - this.ctx.clock.now()));
  }

  /** One pass: lease, due schedules, completions, new calls, SMS. Public for tests. */
  async tick(): Promise<void> {
    const lease = this.deps.lease.tryAcquire();
    if (!lease) return; // another process dials this data folder
    if (lease === 'acquired') {
      // Whatever the previous holder left in flight may have happened: never repeat it automatically.
      for (const taskId of recoverInterrupted(this.ctx, new Set(this.inFlight.keys()))) this.dirty.add(taskId);
    }
    const now = this.ctx.clock.now();
    this.startDueTasks(now);
    this.abortCancelled();
    for (const dryRun of [false, true]) {
      const placer = this.deps.placer(dryRun);
      if (placer && placer.dryRun === dryRun) this.placeCalls(placer, now);
    }
    this.completeFinishedTasks(now);
    this.deps.outbox.pump(() => this.wake());
    this.flushEvents();
  }

  private startDueTasks(now: number): void {
    const due = this.ctx.db.prepare("SELECT id, start_at FROM tasks WHERE status = 'scheduled' AND start_at <= ?").all(now) as {
      id: number;
      start_at: number;
    }[];
    const late = this.deps.lateAfterMs ?? 60_000;
    for (const task of due) {
      this.ctx.db
        .prepare("UPDATE tasks SET status = 'running', started_at = ?, started_late = ?, updated_at = ? WHERE id = ? AND status = 'scheduled'")
        .run(now, now - task.start_at > late ? 1 : 0, now, task.id);
      this.ctx.log.info('task started', { id: task.id, lateByMs: now - task.start_at });
      this.dirty.add(task.id);
    }
  }

  private abortCancelled(): void {
    for (const call of this.inFlight.values()) {
      if (call.controller.signal.aborted) continue;
      const row = this.ctx.db.prepare('SELECT status FROM tasks WHERE id = ?').get(call.taskId) as { status: string } | undefined;
      if (!row || row.status === 'cancelled') call.controller.abort();
    }
  }

  private placeCalls(placer: CallPlacer, now: number): void {
    const tasks = (
      this.ctx.db
        .prepare("SELECT id, recording_id, max_attempts, retry_interval_ms, window_start, window_end, dry_run FROM tasks WHERE status = 'running' ORDER BY id")
        .all() as RunningTaskRow[]
    ).filter((t) => insideWindow(now, t.window_start && t.window_end ? { start: t.window_start, end: t.window_end } : null));
    // A task created in dry-run mode never reaches a real gateway, and the other way round.
    const eligible = tasks.filter((t) => (t.dry_run === 1) === placer.dryRun);
    if (eligible.length === 0) return;

    const recent = this.recentStarts[placer.dryRun ? 'dryRun' : 'real'];
    while (recent.length > 0 && recent[0]! <= now - 1000) recent.shift();
    let active = 0;
    for (const call of this.inFlight.values()) if (call.dryRun === placer.dryRun) active++;
    let exhausted = 0;
    // Round-robin: one number per task in turn, so tasks running at once share the channels fairly.
    while (active < placer.channels && recent.length < placer.callsPerSecond && exhausted < eligible.length) {
      const task = eligible[this.rotation++ % eligible.length]!;
      if (this.startNextCall(placer, task, now)) {
        exhausted = 0;
        active++;
      } else exhausted++;
    }
  }

  /** Claims the task's next due number, writes the attempt, then places the call. */
  private startNextCall(placer: CallPlacer, task: RunningTaskRow, now: number): boolean {
    const { db } = this.ctx;
    const claim = db.transaction(() => {
      let next: { id: number; phone_e164: string; attempts: number } | undefined;
      for (;;) {
        next = (db
          .prepare("SELECT id, phone_e164, attempts FROM task_numbers WHERE task_id = ? AND state = 'waiting_retry' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1")
          .get(task.id, now) ??
          db.prepare("SELECT id, phone_e164, attempts FROM task_numbers WHERE task_id = ? AND state = 'pending' ORDER BY id LIMIT 1").get(task.id)) as
          | { id: number; phone_e164: string; attempts: number }
          | undefined;
        if (!next) return undefined;
        // The do-not-call list is read when the number's turn comes, in the transaction that would claim it,
        // so a number added to the list while the task runs is never dialled after (docs/DOMAIN.md "Do-not-call list").
        if (!db.prepare('SELECT 1 FROM do_not_call WHERE phone_e164 = ?').get(next.phone_e164)) break;
        db.prepare("UPDATE task_numbers SET state = 'done', outcome = 'doNotCall', updated_at = ? WHERE id = ?").run(now, next.id);
        db.prepare('UPDATE tasks SET n_done = n_done + 1, n_do_not_call = n_do_not_call + 1, updated_at = ? WHERE id = ?').run(now, task.id);
        this.dirty.add(task.id);
      }
      db.prepare("UPDATE task_numbers SET state = 'dialing', attempts = attempts + 1, updated_at = ? WHERE id = ?").run(now, next.id);
      const attempt = db
        .prepare("INSERT INTO call_attempts (task_id, task_number_id, attempt_no, state, dry_run, started_at) VALUES (?, ?, ?, 'in_flight', ?, ?)")
        .run(task.id, next.id, next.attempts + 1, task.dry_run, now);
      return { numberId: next.id, to: next.phone_e164, attemptNo: next.attempts + 1, attemptId: Number(attempt.lastInsertRowid) };
    });
    const claimed = claim.immediate();
    if (!claimed) return false;

    this.recentStarts[placer.dryRun ? 'dryRun' : 'real'].push(now);
    const controller = new AbortController();
    const done = placer
      .call({ to: claimed.to, recordingId: task.recording_id, signal: controller.signal })
      .catch((err): CallReport => ({
        outcome: 'failed',
        hungUpBy: null,
        finalStatus: null,
        q850Cause: null,
        ringMs: null,
        answeredMs: null,
        playedMs: null,
        playedToEnd: null,
        dtmf: '',
        errors: [problemOf(err, (detail) => problem('call.notPlaced', `The call could not be placed: ${detail}`, { detail }))],
      }))
      .then((report) => this.finishAttempt(task, claimed.numberId, claimed.attemptId, claimed.attemptNo, report))
      .catch((err) => this.ctx.log.error('could not record a call result', { attemptId: claimed.attemptId, error: String(err) }))
      .finally(() => {
        this.inFlight.delete(claimed.attemptId);
        this.wake(); // a channel is free again
      });
    this.inFlight.set(claimed.attemptId, { taskId: task.id, dryRun: placer.dryRun, controller, done });
    this.dirty.add(task.id);
    return true;
  }

  private finishAttempt(task: RunningTaskRow, numberId: number, attemptId: number, attemptNo: number, report: CallReport): void {
    const { db } = this.ctx;
    const now = this.ctx.clock.now();
    const errors = attemptErrorColumns(report.errors);
    db.transaction(() => {
      db.prepare(
        `UPDATE call_attempts SET state = 'ended', outcome = ?, hung_up_by = ?, final_status = ?, q850_cause = ?, ring_ms = ?,
           answered_ms = ?, played_ms = ?, played_to_end = ?, dtmf = ?, error = ?, error_codes = ?, ended_at = ? WHERE id = ?`,
      ).run(
        report.outcome,
        report.hungUpBy,
        report.finalStatus,
        report.q850Cause,
        report.ringMs,
        report.answeredMs,
        report.playedMs,
        report.playedToEnd === null ? null : report.playedToEnd ? 1 : 0,
        report.dtmf,
        errors.error,
        errors.errorCodes,
        now,
        attemptId,
      );
      if (report.trace && report.trace.length > 0) {
        db.prepare('INSERT OR REPLACE INTO call_traces (attempt_id, trace) VALUES (?, ?)').run(attemptId, JSON.stringify(report.trace));
      }
      const status = (db.prepare('SELECT status FROM tasks WHERE id = ?').get(task.id) as { status: string } | undefined)?.status;
      // Retries only while the task goes on, and never more than the attempts asked for.
      if (RETRYABLE.has(report.outcome) && attemptNo < task.max_attempts && status !== 'cancelled') {
        db.prepare("UPDATE task_numbers SET state = 'waiting_retry', next_attempt_at = ?, updated_at = ? WHERE id = ?").run(
          now + task.retry_interval_ms,
          now,
          numberId,
        );
        return;
      }
      this.recordFinalOutcome(task.id, numberId, report.outcome, now);
    })();
    this.dirty.add(task.id);
  }

  /** The number's one final outcome, its counter, and its SMS follow-up (queued in the same transaction). */
  private recordFinalOutcome(taskId: number, numberId: number, outcome: CallOutcome, now: number): void {
    const { db } = this.ctx;
    db.prepare("UPDATE task_numbers SET state = 'done', outcome = ?, updated_at = ? WHERE id = ?").run(outcome, now, numberId);
    db.prepare(`UPDATE tasks SET n_done = n_done + 1, ${counterFor(outcome)} = ${counterFor(outcome)} + 1, updated_at = ? WHERE id = ?`).run(now, taskId);
    const kind = smsKindFor(outcome);
    if (kind) this.deps.outbox.enqueue(taskId, numberId, kind, now);
  }

  private completeFinishedTasks(now: number): void {
    const running = this.ctx.db.prepare("SELECT id FROM tasks WHERE status = 'running'").all() as { id: number }[];
    for (const { id } of running) {
      const active = this.ctx.db
        .prepare("SELECT 1 FROM task_numbers WHERE task_id = ? AND state IN ('pending', 'dialing', 'waiting_retry') LIMIT 1")
        .get(id);
      if (active) continue;
      this.ctx.db.prepare("UPDATE tasks SET status = 'completed', finished_at = ?, updated_at = ? WHERE id = ? AND status = 'running'").run(now, now, id);
      this.ctx.log.info('task completed', { id });
      this.dirty.add(id);
    }
  }

  /** One task.changed per task per tick, however many calls changed it. */
  private flushEvents(): void {
    for (const taskId of this.dirty) this.ctx.emit('task.changed', { taskId });
    this.dirty.clear();
  }
}
