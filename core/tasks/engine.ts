import type { CallOutcome } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { problem, problemOf } from '../errors.js';
import { insideWindow } from './callingWindow.js';
import { reconcileCounters } from './counters.js';
import { assertFence, FENCE_SQL, FencedError, fenceParams, type Fence, type Lease } from './lease.js';
import { counterFor, RETRYABLE, smsKindFor } from './outcomes.js';
import { recoverInterrupted } from './recovery.js';
import type { SmsOutbox } from '../sms/outbox.js';
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
  /** Delivery look-ups of accepted SMS (core/sms/delivery.ts): run in the tick, so only the lease holder polls. */
  delivery?: { pump(onSettled: () => void): void; idle(): Promise<void> };
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
  /** The lease epoch it was claimed under: its result is written only while that epoch holds. */
  fence: Fence;
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
  /** The lease epoch this engine dials under, or null while another process holds it. */
  private fence: Fence | null = null;

  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: EngineDeps,
  ) {}

  get activeCalls(): number {
    return this.inFlight.size;
  }

  /** Calls of one task connected now (the task page's "channels in use"). */
  activeCallsOf(taskId: number): number {
    let n = 0;
    for (const call of this.inFlight.values()) if (call.taskId === taskId) n++;
    return n;
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
    await this.deps.delivery?.idle();
    this.deps.lease.release();
    this.fence = null; // released, not fenced: a later start takes the next epoch without reporting a take-over
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
    // Renew well within the TTL (a 200 ms TTL in tests must not lapse between ticks).
    const base = Math.max(5, Math.min(this.deps.tickMs ?? 250, Math.floor(this.deps.lease.ttlMs / 3)));
    // When only the calls-per-second limit holds us back, come back when the oldest start leaves the window.
    const starts = [this.recentStarts.real[0], this.recentStarts.dryRun[0]].filter((t): t is number => t !== undefined);
    if (starts.length === 0) return base;
    return Math.max(5, Math.min(base, Math.min(...starts) + 1000 - this.ctx.clock.now()));
  }

  /** One pass: lease, due schedules, completions, new calls, SMS. Public for tests. */
  async tick(): Promise<void> {
    const fence = this.checkLease();
    if (!fence) {
      this.flushEvents();
      return; // another process dials this data folder
    }
    try {
      const now = this.ctx.clock.now();
      this.startDueTasks(fence, now);
      this.abortCancelled();
      for (const dryRun of [false, true]) {
        const placer = this.deps.placer(dryRun);
        if (placer && placer.dryRun === dryRun && this.fence === fence) this.placeCalls(placer, fence, now);
      }
      if (this.fence === fence) this.completeFinishedTasks(fence, now);
      if (this.fence === fence) this.deps.outbox.pump(fence, () => this.wake());
      // Delivery reports are asked for by the lease holder only (core/sms/delivery.ts).
      if (this.fence === fence) this.deps.delivery?.pump(() => undefined);
    } catch (err) {
      if (!(err instanceof FencedError)) throw err;
      this.fenced(err.fence, 'a write found the lease taken over');
    }
    this.flushEvents();
  }

  /**
   * Takes or renews the lease, first of all after a pause: a wall-clock
   * jump against the monotonic clock (the machine slept) or a monotonic gap
   * longer than the TTL (the process was stopped or stalled) is logged, and
   * losing the lease fences this engine before anything else happens.
   * Returns the fence to write under, or null.
   */
  private checkLease(): Fence | null {
    const { lease } = this.deps;
    if (this.fence) {
      const gap = lease.sinceRenewal();
      if (gap.suspendedMs > 0) this.ctx.log.warn('resumed from suspend: re-checking the dialer lease', { suspendedMs: Math.round(gap.suspendedMs), epoch: this.fence.epoch });
      else if (gap.lapsed) this.ctx.log.warn('stalled past the dialer lease: re-checking it', { stalledMs: Math.round(gap.monoMs), ttlMs: lease.ttlMs, epoch: this.fence.epoch });
    }
    const state = lease.tryAcquire();
    if (state === null) {
      if (this.fence) this.fenced(this.fence, 'another process took over the dialing lease');
      return null;
    }
    if (state === 'acquired') {
      // A new epoch: calls still held from an earlier one are not ours to record any more.
      if (this.fence) this.fenced(this.fence, 'the dialing lease was taken over in between');
      else this.hangUpAll();
      const fence = lease.fence()!;
      this.fence = fence;
      this.ctx.log.info('dialer lease taken', { epoch: fence.epoch, holder: fence.holder });
      try {
        // Whatever the previous holder left in flight may have happened: never repeat it automatically.
        for (const taskId of recoverInterrupted(this.ctx, fence)) this.dirty.add(taskId);
        for (const taskId of reconcileCounters(this.ctx, fence)) this.dirty.add(taskId);
      } catch (err) {
        if (!(err instanceof FencedError)) throw err;
        this.fenced(fence, 'the dialing lease was taken over during recovery');
        return null;
      }
    }
    return this.fence;
  }

  /** Another process dials now: stop placing calls at once, hang up ours (their results are not ours to write), say so. */
  private fenced(fence: Fence, reason: string): void {
    if (this.fence?.epoch !== fence.epoch) return; // an earlier epoch's news: already handled
    this.fence = null;
    this.deps.lease.lost();
    const hungUp = this.hangUpAll();
    this.ctx.log.warn('dialer fenced: stopped dialing and hung up its calls', { reason, epoch: fence.epoch, holder: this.deps.lease.currentHolder(), hungUp });
  }

  private hangUpAll(): number {
    let n = 0;
    for (const call of this.inFlight.values()) {
      if (call.controller.signal.aborted) continue;
      call.controller.abort();
      n++;
    }
    return n;
  }

  private startDueTasks(fence: Fence, now: number): void {
    const due = this.ctx.db.prepare("SELECT id, start_at FROM tasks WHERE status = 'scheduled' AND start_at <= ?").all(now) as {
      id: number;
      start_at: number;
    }[];
    const late = this.deps.lateAfterMs ?? 60_000;
    for (const task of due) {
      const started = this.ctx.db
        .prepare(`UPDATE tasks SET status = 'running', started_at = ?, started_late = ?, updated_at = ? WHERE id = ? AND status = 'scheduled' AND ${FENCE_SQL}`)
        .run(now, now - task.start_at > late ? 1 : 0, now, task.id, ...fenceParams(fence)).changes;
      if (started === 0) continue;
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

  private placeCalls(placer: CallPlacer, fence: Fence, now: number): void {
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
      if (this.startNextCall(placer, fence, task, now)) {
        exhausted = 0;
        active++;
      } else exhausted++;
    }
  }

  /** Claims the task's next due number, writes the attempt, then places the call. */
  private startNextCall(placer: CallPlacer, fence: Fence, task: RunningTaskRow, now: number): boolean {
    const { db } = this.ctx;
    const claim = db.transaction(() => {
      // Fenced: a process that lost the lease claims nothing (its FencedError reaches tick()).
      assertFence(db, fence);
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
        errors: [problemOf(err, (detail) => problem('call.notPlaced', { detail }))],
      }))
      .then((report) => this.finishAttempt(fence, task, claimed.numberId, claimed.attemptId, claimed.attemptNo, report))
      .catch((err) => {
        if (err instanceof FencedError) {
          // The number is another process's now (recovery marked this attempt uncertain): nothing of this call is written.
          this.ctx.log.warn('call result not recorded: the dialing lease was taken over', { attemptId: claimed.attemptId, epoch: fence.epoch });
          this.fenced(err.fence, 'a call result found the lease taken over');
        } else if (err instanceof NotInFlightError) {
          this.ctx.log.warn('call result not recorded: the attempt is no longer in flight', { attemptId: claimed.attemptId });
        } else this.ctx.log.error('could not record a call result', { attemptId: claimed.attemptId, error: String(err) });
      })
      .finally(() => {
        this.inFlight.delete(claimed.attemptId);
        this.wake(); // a channel is free again
      });
    this.inFlight.set(claimed.attemptId, { taskId: task.id, dryRun: placer.dryRun, fence, controller, done });
    this.dirty.add(task.id);
    return true;
  }

  /**
   * Writes a call's end, under the epoch it was claimed at and only while the
   * attempt is still in flight: a process woken after losing the lease, or
   * an attempt recovery already marked uncertain, changes nothing.
   */
  private finishAttempt(fence: Fence, task: RunningTaskRow, numberId: number, attemptId: number, attemptNo: number, report: CallReport): void {
    const { db } = this.ctx;
    // After a pause (stop, suspend) the lease is re-checked before anything is written.
    if (this.fence?.epoch === fence.epoch && this.deps.lease.sinceRenewal().lapsed) this.checkLease();
    const now = this.ctx.clock.now();
    const errors = attemptErrorColumns(report.errors);
    db.transaction(() => {
      assertFence(db, fence);
      const ended = db.prepare(
        `UPDATE call_attempts SET state = 'ended', outcome = ?, hung_up_by = ?, final_status = ?, q850_cause = ?, ring_ms = ?,
           answered_ms = ?, played_ms = ?, played_to_end = ?, dtmf = ?, error = ?, error_codes = ?, ended_at = ? WHERE id = ? AND state = 'in_flight'`,
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
      ).changes;
      if (ended === 0) throw new NotInFlightError(attemptId);
      if (report.trace && report.trace.length > 0) {
        db.prepare('INSERT OR REPLACE INTO call_traces (attempt_id, trace) VALUES (?, ?)').run(attemptId, JSON.stringify(report.trace));
      }
      const status = (db.prepare('SELECT status FROM tasks WHERE id = ?').get(task.id) as { status: string } | undefined)?.status;
      // Retries only while the task goes on, and never more than the attempts asked for.
      if (RETRYABLE.has(report.outcome) && attemptNo < task.max_attempts && status !== 'cancelled') {
        const waiting = db
          .prepare("UPDATE task_numbers SET state = 'waiting_retry', next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'dialing'")
          .run(now + task.retry_interval_ms, now, numberId).changes;
        if (waiting === 0) throw new NotInFlightError(attemptId);
        return;
      }
      this.recordFinalOutcome(task.id, numberId, attemptId, report.outcome, now);
    }).immediate();
    this.dirty.add(task.id);
  }

  /**
   * The number's one final outcome, its counter, and its SMS follow-up
   * (queued in the same transaction). Runs inside finishAttempt's fenced
   * transaction; a number no longer dialing (recovered, retried by the
   * user) rolls it all back, so nothing is counted twice.
   */
  private recordFinalOutcome(taskId: number, numberId: number, attemptId: number, outcome: CallOutcome, now: number): void {
    const { db } = this.ctx;
    const done = db.prepare("UPDATE task_numbers SET state = 'done', outcome = ?, updated_at = ? WHERE id = ? AND state = 'dialing'").run(outcome, now, numberId).changes;
    if (done === 0) throw new NotInFlightError(attemptId);
    db.prepare(`UPDATE tasks SET n_done = n_done + 1, ${counterFor(outcome)} = ${counterFor(outcome)} + 1, updated_at = ? WHERE id = ?`).run(now, taskId);
    const kind = smsKindFor(outcome);
    if (kind) this.deps.outbox.enqueue(taskId, numberId, kind, now);
  }

  private completeFinishedTasks(fence: Fence, now: number): void {
    const running = this.ctx.db.prepare("SELECT id FROM tasks WHERE status = 'running'").all() as { id: number }[];
    for (const { id } of running) {
      const active = this.ctx.db
        .prepare("SELECT 1 FROM task_numbers WHERE task_id = ? AND state IN ('pending', 'dialing', 'waiting_retry') LIMIT 1")
        .get(id);
      if (active) continue;
      const completed = this.ctx.db
        .prepare(`UPDATE tasks SET status = 'completed', finished_at = ?, updated_at = ? WHERE id = ? AND status = 'running' AND ${FENCE_SQL}`)
        .run(now, now, id, ...fenceParams(fence)).changes;
      if (completed === 0) continue;
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

/** Thrown inside finishAttempt's transaction when the attempt or its number moved on (recovered, retried): rolls it back. */
class NotInFlightError extends Error {
  constructor(readonly attemptId: number) {
    super(`Call attempt ${attemptId} is no longer in flight.`);
    this.name = 'NotInFlightError';
  }
}
