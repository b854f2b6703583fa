import type { CoreContext } from '../context.js';
import { DoNotCallService } from '../dnc/doNotCallService.js';
import { problem, problemOf } from '../errors.js';
import { insideWindow } from './callingWindow.js';
import { failedCall } from './callReport.js';
import { reconcileCounters } from './counters.js';
import { FencedError, type Fence, type Lease } from './lease.js';
import { smsKindFor } from './outcomes.js';
import { recoverInterrupted } from './recovery.js';
import type { SmsOutbox } from '../sms/outbox.js';
import type { DialingTask } from './taskColumns.js';
import { NotInFlightError, TaskStore, type Claim } from './taskStore.js';
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
  private readonly store: TaskStore;
  private readonly doNotCall: DoNotCallService;

  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: EngineDeps,
  ) {
    this.store = new TaskStore(ctx.db);
    this.doNotCall = new DoNotCallService(ctx);
  }

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

  /**
   * Stops placing calls; waits for connected calls to end (their results are
   * still recorded). No tick runs once stopped, so the calls of a task
   * cancelled just before (its wake-up tick was still pending) are hung up
   * here, and `wake` hangs up those of a task cancelled during the wait.
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    this.abortCancelled();
    await this.idle();
    await this.deps.outbox.idle();
    await this.deps.delivery?.idle();
    this.deps.lease.release();
    this.fence = null; // released, not fenced: a later start takes the next epoch without reporting a take-over
  }

  /** Runs a tick soon: after a user action or a scheduler wake-up. */
  wake(): void {
    if (this.running) this.schedule(0);
    else this.abortCancelled(); // stopping: a cancel still ends its connected calls
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
    const late = this.deps.lateAfterMs ?? 60_000;
    for (const task of this.store.scheduled(now, true)) {
      if (!this.store.transition(task.id, 'start', now, { fence, startedLate: now - task.startAt > late })) continue;
      this.ctx.log.info('task started', { id: task.id, lateByMs: now - task.startAt });
      this.dirty.add(task.id);
    }
  }

  private abortCancelled(): void {
    for (const call of this.inFlight.values()) {
      if (call.controller.signal.aborted) continue;
      const status = this.store.statusOf(call.taskId);
      if (status === undefined || status === 'cancelled') call.controller.abort();
    }
  }

  private placeCalls(placer: CallPlacer, fence: Fence, now: number): void {
    // A task created in dry-run mode never reaches a real gateway, and the other way round.
    const eligible = this.store.dialing().filter((t) => insideWindow(now, t.callingWindow) && t.dryRun === placer.dryRun);
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
  private startNextCall(placer: CallPlacer, fence: Fence, task: DialingTask, now: number): boolean {
    const { claim: claimed, skipped } = this.store.claimNext(fence, task, now, (e164) => this.doNotCall.isListed(e164));
    if (skipped > 0) this.dirty.add(task.id);
    if (!claimed) return false;

    this.recentStarts[placer.dryRun ? 'dryRun' : 'real'].push(now);
    const controller = new AbortController();
    const done = placer
      .call({ to: claimed.to, recordingId: task.recordingId, signal: controller.signal })
      .catch((err): CallReport => failedCall(problemOf(err, (detail) => problem('call.notPlaced', { detail }))))
      .then((report) => this.finishAttempt(fence, task, claimed, report))
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
   * Writes a call's end (TaskStore.finishAttempt), under the epoch it was
   * claimed at and only while the attempt is still in flight: a process
   * woken after losing the lease, or an attempt recovery already marked
   * uncertain, changes nothing. A final outcome queues its SMS follow-up in
   * the same transaction.
   */
  private finishAttempt(fence: Fence, task: DialingTask, claim: Claim, report: Parameters<TaskStore['finishAttempt']>[3]): void {
    // After a pause (stop, suspend) the lease is re-checked before anything is written.
    if (this.fence?.epoch === fence.epoch && this.deps.lease.sinceRenewal().lapsed) this.checkLease();
    const now = this.ctx.clock.now();
    this.store.finishAttempt(fence, task, claim, report, now, (outcome) => {
      const kind = smsKindFor(outcome);
      if (kind) this.deps.outbox.enqueue(task.id, claim.numberId, kind, now);
    });
    this.dirty.add(task.id);
  }

  private completeFinishedTasks(fence: Fence, now: number): void {
    for (const id of this.store.runningWithoutOpenNumbers()) {
      if (!this.store.transition(id, 'complete', now, { fence })) continue;
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
