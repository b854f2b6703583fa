import { DateTime } from 'luxon';
import { findNameColumn } from '../../shared/roster/nameColumn.js';
import { answerRate, emptyOutcomeCounts, type OutcomeCounts } from '../../shared/tasks/outcomeGroups.js';
import { WIB_ZONE } from '../../shared/time/wib.js';
import type { CallOutcome, CallsOverTime, DashboardView, EngineStatus, RunningTaskSummary, TaskStats } from '../../shared/types.js';
import { OUTCOMES } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { estimateFinish } from './estimate.js';
import { TaskStore } from './taskStore.js';

const MINUTE = 60_000;
const SETTLE_MS = 5_000;
/** The finish estimate follows the task's recent pace, not its first minutes. */
const RECENT_ATTEMPTS = 200;
/** Bucket lengths for a task's calls-over-time chart, the first giving at most MAX_BUCKETS over its run. */
const BUCKET_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440, 10080];
const MAX_BUCKETS = 60;

export interface FiguresDeps {
  engineStatus: () => EngineStatus;
  /** Calls of one task connected now in this process. */
  activeCallsOf: (taskId: number) => number;
  /** The selected gateway's channel limit (Settings > Gateway, or the dry run's). */
  channelLimit: () => number;
}

/**
 * The figures of the dashboard (dashboard.get) and of the task page
 * (task.stats), computed from the store when asked: each is a count over a
 * covering index (migration 0006), so polling them costs index pages, not
 * table rows, and the engine's writes carry no extra counters.
 */
export class TaskFigures {
  private readonly store: TaskStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly deps: FiguresDeps,
  ) {
    this.store = new TaskStore(ctx.db);
  }

  /**
   * Calls ended per minute, by outcome. A minute that is over no longer
   * changes (an attempt's ended_at is the moment the engine writes it), so
   * its sums are kept: after the first dashboard of the day, each refresh
   * reads only the current minute however busy the day was. Kept sums are
   * dropped when a user changes a task (a deleted task takes its calls
   * with it) and when they leave today and the last hour.
   */
  private readonly closedMinutes = new Map<number, OutcomeCounts>();

  private minute(start: number, now: number): OutcomeCounts {
    const kept = this.closedMinutes.get(start);
    if (kept) return kept;
    this.perMinute ??= this.store.endedSums(OUTCOME_SUMS);
    const sums = sumsOf(this.perMinute(start, start + MINUTE));
    // A few seconds' margin: a call's result is written a moment after its ended_at is taken.
    if (start + MINUTE + SETTLE_MS <= now) this.closedMinutes.set(start, sums);
    return sums;
  }

  private perMinute: ((from: number, to: number) => unknown) | undefined;

  private prune(before: number): void {
    for (const start of this.closedMinutes.keys()) if (start < before) this.closedMinutes.delete(start);
  }

  /** Forget the kept minutes (a task was deleted, or the store changed under us). */
  forget(): void {
    this.closedMinutes.clear();
  }

  dashboard(): DashboardView {
    const { db, clock } = this.ctx;
    const now = clock.now();
    // The supervisor's "today" is the WIB day, whatever the workstation's zone (docs/DOMAIN.md).
    const dayStart = DateTime.fromMillis(now, { zone: WIB_ZONE }).startOf('day').toMillis();
    const hourStart = Math.floor(now / MINUTE) * MINUTE - 59 * MINUTE;

    this.prune(Math.min(dayStart, hourStart));
    const today = emptyOutcomeCounts();
    for (let minute = dayStart; minute <= now; minute += MINUTE) add(today, this.minute(minute, now));
    const callsPerMinute = this.store.countEndedSince(now - MINUTE);
    const lastHour: CallsOverTime = {
      start: hourStart,
      bucketMs: MINUTE,
      buckets: Array.from({ length: 60 }, (_, i) => this.minute(hourStart + i * MINUTE, now)),
    };
    // One pass over today's part of the time index (named: the planner would rather walk every SMS by state).
    const sms = db
      .prepare(
        "SELECT coalesce(sum(state = 'sent'), 0) AS sent, coalesce(sum(state = 'failed'), 0) AS failed FROM sms_outbox INDEXED BY sms_outbox_updated WHERE updated_at >= ?",
      )
      .get(dayStart) as { sent: number; failed: number };
    const running = this.store.running();
    const engine = this.deps.engineStatus();
    return {
      at: now,
      dayStart,
      runningTasks: running.map(
        (r): RunningTaskSummary => ({
          id: r.id,
          name: r.name,
          done: r.counts.done,
          total: r.total,
          answered: r.counts.answered,
          dryRun: r.dryRun,
          activeCalls: this.deps.activeCallsOf(r.id),
        }),
      ),
      scheduledTasks: this.store.countByStatus('scheduled'),
      pausedTasks: this.store.countByStatus('paused'),
      activeCalls: engine.activeCalls,
      channelLimit: this.deps.channelLimit(),
      callsPerMinute,
      today,
      todayAnswerRate: answerRate(today),
      smsSentToday: sms.sent,
      smsFailedToday: sms.failed,
      engine,
      lastHour,
    };
  }

  task(id: number): TaskStats {
    const { db, clock } = this.ctx;
    const now = clock.now();
    const task = this.store.get(id);
    if (!task) throw new AppError('task.notFound', `Task ${id} does not exist. It may have been deleted.`, { id });

    // A number has an outcome only once it is done (TaskStore.finishAttempt), so the index alone answers.
    const byOutcome = countsOf(this.store.outcomeCounts(id));
    const remaining = this.store.countOpen(id);
    const smsByState = Object.fromEntries(
      (db.prepare('SELECT state, count(*) AS n FROM sms_outbox WHERE task_id = ? GROUP BY state').all(id) as { state: string; n: number }[]).map((r) => [r.state, r.n]),
    );
    const attempts = this.store.countEndedAttempts(id);
    const averageAttemptMs = this.store.averageAttemptMs(id, RECENT_ATTEMPTS);

    const channelsInUse = this.deps.activeCallsOf(id);
    const runningTasks = this.store.countRunning();
    // Between two calls a running task has no channel in use; its share of the gateway's is what it gets.
    const channels = channelsInUse > 0 ? channelsInUse : Math.max(1, Math.floor(this.deps.channelLimit() / Math.max(1, runningTasks)));
    const estimate = estimateFinish({ now, status: task.status, startAt: task.startAt, remaining, averageAttemptMs, channels, window: task.callingWindow });

    const from = task.startedAt ?? task.startAt;
    const to = task.finishedAt ?? now;
    return {
      taskId: id,
      at: now,
      byOutcome,
      answerRate: answerRate(byOutcome),
      remaining,
      smsByState,
      attempts,
      averageAttemptMs: averageAttemptMs === null ? null : Math.round(averageAttemptMs),
      channelsInUse,
      elapsedMs: task.startedAt === null ? null : Math.max(0, to - task.startedAt),
      estimate: estimate.kind,
      estimatedFinishAt: estimate.at,
      callsOverTime: this.overTime(id, from, Math.max(from, to)),
      nameColumn: this.nameColumn(id),
    };
  }

  /** The task's ended attempts by outcome, in buckets sized so its whole run fits in at most 60. */
  private overTime(taskId: number, from: number, to: number): CallsOverTime {
    const minutes = BUCKET_MINUTES.find((m) => (to - from) / (m * MINUTE) < MAX_BUCKETS) ?? BUCKET_MINUTES[BUCKET_MINUTES.length - 1]!;
    const bucketMs = minutes * MINUTE;
    const start = Math.floor(from / bucketMs) * bucketMs;
    const count = Math.min(MAX_BUCKETS, Math.floor((to - start) / bucketMs) + 1);
    const inBucket = this.store.endedSums(OUTCOME_SUMS, taskId);
    return {
      start,
      bucketMs,
      buckets: Array.from({ length: count }, (_, i) => sumsOf(inBucket(start + i * bucketMs, start + (i + 1) * bucketMs))),
    };
  }

  /** The name column of the roster the task was made from, read from the columns its numbers carry. */
  nameColumn(taskId: number): string | null {
    try {
      const names = this.store.variableNames(taskId);
      return names ? findNameColumn(names) : null;
    } catch {
      return null;
    }
  }
}

interface OutcomeRow {
  outcome: string;
  n: number;
}

/**
 * One sum per outcome of OUTCOMES (constant names, never user input), so a
 * range of the ended_at index is counted in one pass: a GROUP BY outcome
 * would sort every row in a temporary B-tree (ten times slower over a busy
 * day in bench/taskQueries.ts).
 */
const OUTCOME_SUMS = OUTCOMES.map((o) => `coalesce(sum(outcome = '${o}'), 0) AS "${o}"`).join(', ');

function add(into: OutcomeCounts, counts: OutcomeCounts): void {
  for (const o of OUTCOMES) into[o] += counts[o];
}

function sumsOf(row: unknown): OutcomeCounts {
  const counts = emptyOutcomeCounts();
  const sums = row as Record<string, number | null> | undefined;
  for (const o of OUTCOMES) counts[o] = sums?.[o] ?? 0;
  return counts;
}

function isOutcome(value: string): value is CallOutcome {
  return (OUTCOMES as readonly string[]).includes(value);
}

function countsOf(rows: OutcomeRow[]): OutcomeCounts {
  const counts = emptyOutcomeCounts();
  for (const r of rows) if (isOutcome(r.outcome)) counts[r.outcome] += r.n;
  return counts;
}
