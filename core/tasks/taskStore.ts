import type { CallAttemptView, CallOutcome, CallReport, NumberOutcome, Page, SipTraceEntry, Task, TaskNumberRow, TaskRef } from '../../shared/types.js';
import {
  OPEN_NUMBER_STATES,
  TASK_TRANSITIONS,
  UNFINISHED_STATUSES,
  type CallAttemptState,
  type TaskEvent,
  type TaskNumberState,
  type TaskStatus,
} from '../../shared/tasks/states.js';
import type { Db } from '../db/database.js';
import type { Row } from '../db/rows.js';
import { assertFence, FENCE_SQL, fenceParams, type Fence } from './lease.js';
import { counterFor, RETRYABLE } from './outcomes.js';
import { attemptErrorColumns } from './storedErrors.js';
import { CALL_ATTEMPT, CALL_REPORT, DIALING_TASK, TASK, TASK_NUMBER, TASK_NUMBER_SELECT, taskNumberSelect, type DialingTask } from './taskColumns.js';

/** A status, number state or attempt state inside SQL text: typed, so a misspelt state does not compile. */
const sql = (value: TaskStatus | TaskNumberState | CallAttemptState): string => `'${value}'`;
const sqlList = (values: readonly (TaskStatus | TaskNumberState)[]): string => `(${values.map(sql).join(', ')})`;

const UNFINISHED_SQL = `status IN ${sqlList(UNFINISHED_STATUSES)}`;

/** A new task as TaskService planned it; its numbers are copied after it (copyRosterNumbers, copyNumbersWithOutcomes). */
export interface NewTask {
  name: string;
  recordingId: number;
  recordingName: string;
  rosterId: number | null;
  rosterName: string;
  startAt: number;
  scheduled: boolean;
  smsDisconnectTemplateId: number | null;
  smsUnansweredTemplateId: number | null;
  maxAttempts: number;
  retryIntervalMs: number;
  callingWindow: { start: string; end: string } | null;
  dryRun: boolean;
}

/** A number the engine claimed, with its in-flight attempt. */
export interface Claim {
  numberId: number;
  to: string;
  attemptNo: number;
  attemptId: number;
}

/** The task counters the SMS outbox and the delivery poller move (the call counters move with the numbers, here). */
export type SmsCounter = 'n_sms_sent' | 'n_sms_failed' | 'n_sms_delivered' | 'n_sms_undelivered' | 'n_sms_expired';

export type TaskUser = 'recording' | 'roster' | 'template';

/**
 * The task counters as the rows say they should be: n_done counts numbers
 * with a final state (done or uncertain, recovery; a do-not-call skip is
 * done too), each outcome counter its done numbers, the SMS counters the outbox rows sent and failed.
 */
const COUNTERS_FROM_ROWS = `
  SELECT t.id,
    t.n_done, t.n_answered, t.n_unanswered, t.n_invalid, t.n_rejected, t.n_failed, t.n_uncertain, t.n_sms_sent, t.n_sms_failed, t.n_do_not_call,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state IN ${sqlList(['done', 'uncertain'])}) AS r_done,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = ${sql('done')} AND n.outcome = 'answered') AS r_answered,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = ${sql('done')} AND n.outcome IN ('busy', 'noAnswer', 'poweredOff')) AS r_unanswered,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = ${sql('done')} AND n.outcome = 'invalidNumber') AS r_invalid,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = ${sql('done')} AND n.outcome = 'rejected') AS r_rejected,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = ${sql('done')} AND n.outcome = 'failed') AS r_failed,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = ${sql('uncertain')}) AS r_uncertain,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = ${sql('done')} AND n.outcome = 'doNotCall') AS r_do_not_call,
    (SELECT count(*) FROM sms_outbox s WHERE s.task_id = t.id AND s.state = 'sent') AS r_sms_sent,
    (SELECT count(*) FROM sms_outbox s WHERE s.task_id = t.id AND s.state = 'failed') AS r_sms_failed
  FROM tasks t`;

export const COUNTERS = ['done', 'answered', 'unanswered', 'invalid', 'rejected', 'failed', 'uncertain', 'do_not_call', 'sms_sent', 'sms_failed'] as const;
export type Counter = (typeof COUNTERS)[number];
export type CounterRow = { id: number } & Record<`n_${Counter}` | `r_${Counter}`, number>;

/** Thrown inside finishAttempt's transaction when the attempt or its number moved on (recovered, retried): rolls it back. */
export class NotInFlightError extends Error {
  constructor(readonly attemptId: number) {
    super(`Call attempt ${attemptId} is no longer in flight.`);
    this.name = 'NotInFlightError';
  }
}

/**
 * Every statement on `tasks`, `task_numbers` and `call_attempts`, and every
 * change of a task's status (TASK_TRANSITIONS, the state machine that
 * docs/ARCHITECTURE.md draws). Services ask it; none writes these tables
 * itself. Multi-statement changes of the dialer (claim, finish, recovery)
 * run here in their own fenced transactions; the others join the caller's.
 */
export class TaskStore {
  constructor(private readonly db: Db) {}

  // ---- tasks ---------------------------------------------------------------

  get(id: number): Task | undefined {
    const row = this.db.prepare(`SELECT ${TASK.select} FROM tasks WHERE id = ?`).get(id) as Row | undefined;
    return row ? TASK.read(row) : undefined;
  }

  exists(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM tasks WHERE id = ?').get(id) !== undefined;
  }

  list(page: number, pageSize: number, status?: TaskStatus): Page<Task> {
    const where = status ? 'WHERE status = ?' : '';
    const args = status ? [status] : [];
    const total = this.db.prepare(`SELECT count(*) FROM tasks ${where}`).pluck().get(...args) as number;
    const rows = this.db.prepare(`SELECT ${TASK.select} FROM tasks ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, pageSize, (page - 1) * pageSize) as Row[];
    return { items: rows.map((r) => TASK.read(r)), total, page, pageSize };
  }

  /** A new task, always `scheduled`: Run Immediately is a schedule that is due now, and the engine starts both the same way. */
  insert(task: NewTask, now: number): number {
    const result = this.db
      .prepare(
        `INSERT INTO tasks (name, recording_id, recording_name, roster_id, roster_name, status, start_at, scheduled,
           sms_disconnect_template_id, sms_unanswered_template_id, max_attempts, retry_interval_ms, window_start, window_end,
           dry_run, total, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ${sql('scheduled')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      )
      .run(
        task.name,
        task.recordingId,
        task.recordingName,
        task.rosterId,
        task.rosterName,
        task.startAt,
        task.scheduled ? 1 : 0,
        task.smsDisconnectTemplateId,
        task.smsUnansweredTemplateId,
        task.maxAttempts,
        task.retryIntervalMs,
        task.callingWindow?.start ?? null,
        task.callingWindow?.end ?? null,
        task.dryRun ? 1 : 0,
        now,
        now,
      );
    return Number(result.lastInsertRowid);
  }

  setTotal(id: number, total: number): void {
    this.db.prepare('UPDATE tasks SET total = ? WHERE id = ?').run(total, id);
  }

  /** Another task with this name, compared without regard to the case of English letters. */
  nameHolder(name: string, exceptId: number | null): TaskRef | undefined {
    return this.db.prepare('SELECT id, name FROM tasks WHERE name = ? COLLATE NOCASE AND id IS NOT ? LIMIT 1').get(name, exceptId) as TaskRef | undefined;
  }

  rename(id: number, name: string, now: number): void {
    this.db.prepare('UPDATE tasks SET name = ?, updated_at = ? WHERE id = ?').run(name, now, id);
  }

  /** Deletes the task; its numbers, attempts and SMS go with it (ON DELETE CASCADE). */
  remove(id: number): void {
    this.db.prepare('DELETE FROM tasks WHERE id = ?').run(id);
  }

  /**
   * The one way a task's status changes: `event` of TASK_TRANSITIONS, only
   * from the statuses it allows. Starting stamps started_at (and whether it
   * was late); completing and cancelling stamp finished_at. The dialer's
   * transitions (start, complete) carry its fence and change nothing once
   * another process holds the lease. Returns whether the task moved.
   */
  transition(id: number, event: TaskEvent, now: number, options: { fence?: Fence; startedLate?: boolean } = {}): boolean {
    const { from, to } = TASK_TRANSITIONS[event];
    const set = ['status = ?', 'updated_at = ?'];
    const args: (string | number)[] = [to, now];
    if (event === 'start') {
      set.push('started_at = ?', 'started_late = ?');
      args.push(now, options.startedLate ? 1 : 0);
    }
    if (to === 'completed' || to === 'cancelled') {
      set.push('finished_at = ?');
      args.push(now);
    }
    const fenced = options.fence ? ` AND ${FENCE_SQL}` : '';
    return (
      this.db
        .prepare(`UPDATE tasks SET ${set.join(', ')} WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})${fenced}`)
        .run(...args, id, ...from, ...(options.fence ? fenceParams(options.fence) : [])).changes > 0
    );
  }

  statusOf(id: number): TaskStatus | undefined {
    return this.db.prepare('SELECT status FROM tasks WHERE id = ?').pluck().get(id) as TaskStatus | undefined;
  }

  /** Scheduled tasks whose start time has come (due) or is still ahead (not due). */
  scheduled(now: number, due: boolean): { id: number; startAt: number }[] {
    return this.db
      .prepare(`SELECT id, start_at AS startAt FROM tasks WHERE status = ${sql('scheduled')} AND start_at ${due ? '<=' : '>'} ? ORDER BY id`)
      .all(now) as { id: number; startAt: number }[];
  }

  /** Running tasks, as the engine dials them, in id order (its round-robin). */
  dialing(): DialingTask[] {
    const rows = this.db.prepare(`SELECT ${DIALING_TASK.select} FROM tasks WHERE status = ${sql('running')} ORDER BY id`).all() as Row[];
    return rows.map((r) => DIALING_TASK.read(r));
  }

  /** Running tasks, optionally only those of one gateway kind. */
  countRunning(dryRun?: boolean): number {
    const kind = dryRun === undefined ? '' : ` AND dry_run = ${dryRun ? 1 : 0}`;
    return this.db.prepare(`SELECT count(*) FROM tasks WHERE status = ${sql('running')}${kind}`).pluck().get() as number;
  }

  countByStatus(status: TaskStatus): number {
    return this.db.prepare('SELECT count(*) FROM tasks WHERE status = ?').pluck().get(status) as number;
  }

  /** A task is running, or scheduled and due: a dialer has work. `dueBy` null: any scheduled one counts. */
  hasWork(dueBy: number | null): boolean {
    const due = dueBy === null ? '' : ' AND start_at <= ?';
    return (
      this.db.prepare(`SELECT 1 FROM tasks WHERE status = ${sql('running')} OR (status = ${sql('scheduled')}${due}) LIMIT 1`).get(...(dueBy === null ? [] : [dueBy])) !==
      undefined
    );
  }

  /** The unfinished tasks that use a recording, roster or template, oldest first. */
  usersOf(kind: TaskUser, id: number): TaskRef[] {
    const [where, args] = userWhere(kind, id);
    return this.db.prepare(`SELECT id, name FROM tasks WHERE ${where} AND ${UNFINISHED_SQL} ORDER BY id`).all(...args) as TaskRef[];
  }

  isUsed(kind: TaskUser, id: number): boolean {
    const [where, args] = userWhere(kind, id);
    return this.db.prepare(`SELECT 1 FROM tasks WHERE ${where} AND ${UNFINISHED_SQL} LIMIT 1`).get(...args) !== undefined;
  }

  /** The template a number's follow-up of this kind uses (null: none chosen), and whether the task is a dry run. */
  smsTemplateOf(taskId: number, kind: 'disconnect' | 'unanswered'): { templateId: number | null; dryRun: boolean } | undefined {
    const column = kind === 'disconnect' ? 'sms_disconnect_template_id' : 'sms_unanswered_template_id';
    const row = this.db.prepare(`SELECT ${column} AS templateId, dry_run FROM tasks WHERE id = ?`).get(taskId) as { templateId: number | null; dry_run: number } | undefined;
    return row ? { templateId: row.templateId, dryRun: row.dry_run === 1 } : undefined;
  }

  /** Adds to an SMS counter of a task, in the caller's transaction with the outbox row it counts. */
  countSms(taskId: number, counter: SmsCounter, n: number, now: number): void {
    this.db.prepare(`UPDATE tasks SET ${counter} = ${counter} + ?, updated_at = ? WHERE id = ?`).run(n, now, taskId);
  }

  // ---- numbers -------------------------------------------------------------

  /** Copies a roster's usable numbers into the task, pending, in row order; returns how many. */
  copyRosterNumbers(taskId: number, rosterId: number, now: number): number {
    return this.db
      .prepare(
        `INSERT INTO task_numbers (task_id, row_number, phone_e164, variables, state, updated_at)
         SELECT ?, row_number, phone_e164, variables, ${sql('pending')}, ? FROM roster_entries WHERE roster_id = ? ORDER BY row_number`,
      )
      .run(taskId, now, rosterId).changes;
  }

  /** Copies the numbers of `sourceId` that ended with one of `outcomes`, with their roster columns ("call again"). */
  copyNumbersWithOutcomes(taskId: number, sourceId: number, outcomes: readonly NumberOutcome[], now: number): number {
    return this.db
      .prepare(
        `INSERT INTO task_numbers (task_id, row_number, phone_e164, variables, state, updated_at)
         SELECT ?, row_number, phone_e164, variables, ${sql('pending')}, ? FROM task_numbers
         WHERE task_id = ? AND state = ${sql('done')} AND outcome IN (${outcomes.map(() => '?').join(', ')}) ORDER BY id`,
      )
      .run(taskId, now, sourceId, ...outcomes).changes;
  }

  countDialing(taskId: number): number {
    return this.db.prepare(`SELECT count(*) FROM task_numbers WHERE task_id = ? AND state = ${sql('dialing')}`).pluck().get(taskId) as number;
  }

  /** Numbers still to be dialled or in a call (pending, dialing, waiting for a retry). */
  countOpen(taskId: number): number {
    return this.db.prepare(`SELECT count(*) FROM task_numbers WHERE task_id = ? AND state IN ${sqlList(OPEN_NUMBER_STATES)}`).pluck().get(taskId) as number;
  }

  /**
   * The user's "call uncertain numbers again": they go back to pending and
   * leave the done and uncertain counters; a completed task runs again.
   * Returns how many numbers moved.
   */
  callUncertainAgain(taskId: number, now: number): number {
    return this.db.transaction(() => {
      const n = this.db
        .prepare(`UPDATE task_numbers SET state = ${sql('pending')}, next_attempt_at = 0, updated_at = ? WHERE task_id = ? AND state = ${sql('uncertain')}`)
        .run(now, taskId).changes;
      if (n === 0) return 0;
      this.db.prepare('UPDATE tasks SET n_uncertain = n_uncertain - ?, n_done = n_done - ?, finished_at = NULL, updated_at = ? WHERE id = ?').run(n, n, now, taskId);
      this.transition(taskId, 'callUncertainAgain', now);
      return n;
    })();
  }

  /** One page of the detail view's numbers; `where`/`args` filter `n` (task_numbers), `nameExpr` reads the customer's name. */
  numbers(
    taskId: number,
    filter: { where: string; args: unknown[]; nameExpr: string; nameArgs: unknown[] },
    page: number,
    pageSize: number,
  ): Page<TaskNumberRow> {
    const total = this.db.prepare(`SELECT count(*) FROM task_numbers n WHERE n.task_id = ? ${filter.where}`).pluck().get(taskId, ...filter.args) as number;
    const rows = this.db
      .prepare(`${taskNumberSelect(filter.nameExpr)} WHERE n.task_id = ? ${filter.where} ORDER BY n.id LIMIT ? OFFSET ?`)
      .all(...filter.nameArgs, taskId, ...filter.args, pageSize, (page - 1) * pageSize) as Row[];
    return { items: rows.map((r) => TASK_NUMBER.read(r)), total, page, pageSize };
  }

  /** The export's batch: the numbers after `afterId`, as the detail view's rows plus their delivery detail and roster columns. */
  numbersAfter(taskId: number, afterId: number, limit: number): { number: TaskNumberRow; deliveryDetail: string | null; deliveryCheckedAt: number | null; variables: Record<string, string> }[] {
    const rows = this.db
      .prepare(
        `SELECT q.*, v.variables FROM (${TASK_NUMBER_SELECT} WHERE n.task_id = ? AND n.id > ? ORDER BY n.id LIMIT ?) q
         JOIN task_numbers v ON v.id = q.id ORDER BY q.id`,
      )
      .all(taskId, afterId, limit) as Row[];
    return rows.map((r) => ({
      number: TASK_NUMBER.read(r),
      deliveryDetail: r.sms_delivery_detail as string | null,
      deliveryCheckedAt: r.sms_delivery_checked_at as number | null,
      variables: JSON.parse(r.variables as string) as Record<string, string>,
    }));
  }

  numberExists(numberId: number): boolean {
    return this.db.prepare('SELECT 1 FROM task_numbers WHERE id = ?').get(numberId) !== undefined;
  }

  /** The number and roster columns an SMS follow-up is filled from. */
  numberForSms(numberId: number): { phoneE164: string; variables: Record<string, string> } {
    const row = this.db.prepare('SELECT phone_e164, variables FROM task_numbers WHERE id = ?').get(numberId) as { phone_e164: string; variables: string };
    return { phoneE164: row.phone_e164, variables: JSON.parse(row.variables) as Record<string, string> };
  }

  /** The roster column names the task's numbers carry (those of its first number), or null when it has none. */
  variableNames(taskId: number): string[] | null {
    const variables = this.db.prepare('SELECT variables FROM task_numbers WHERE task_id = ? ORDER BY id LIMIT 1').pluck().get(taskId) as string | undefined;
    return variables ? Object.keys(JSON.parse(variables) as Record<string, unknown>) : null;
  }

  /** Final outcomes of the task's numbers (a number has an outcome only once it is done). */
  outcomeCounts(taskId: number): { outcome: string; n: number }[] {
    return this.db.prepare('SELECT outcome, count(*) AS n FROM task_numbers WHERE task_id = ? AND outcome IS NOT NULL GROUP BY outcome').all(taskId) as {
      outcome: string;
      n: number;
    }[];
  }

  // ---- dialing: claim, finish, recover --------------------------------------

  /**
   * Claims the task's next due number (a retry whose time has come first,
   * then the next pending one) and writes its in-flight attempt, in one
   * IMMEDIATE transaction under the dialer's fence, before any call is
   * placed. A number on the do-not-call list when its turn comes goes
   * straight to done with the outcome doNotCall (docs/DOMAIN.md
   * "Do-not-call list"), in the same transaction. `skipped` counts those.
   */
  claimNext(fence: Fence, task: DialingTask, now: number, isDoNotCall: (e164: string) => boolean): { claim: Claim | undefined; skipped: number } {
    const { db } = this;
    return db
      .transaction(() => {
        // Fenced: a process that lost the lease claims nothing (its FencedError reaches the engine's tick).
        assertFence(db, fence);
        let skipped = 0;
        for (;;) {
          const next = (db
            .prepare(
              `SELECT id, phone_e164, attempts FROM task_numbers WHERE task_id = ? AND state = ${sql('waiting_retry')} AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1`,
            )
            .get(task.id, now) ??
            db.prepare(`SELECT id, phone_e164, attempts FROM task_numbers WHERE task_id = ? AND state = ${sql('pending')} ORDER BY id LIMIT 1`).get(task.id)) as
            | { id: number; phone_e164: string; attempts: number }
            | undefined;
          if (!next) return { claim: undefined, skipped };
          if (isDoNotCall(next.phone_e164)) {
            db.prepare(`UPDATE task_numbers SET state = ${sql('done')}, outcome = 'doNotCall', updated_at = ? WHERE id = ?`).run(now, next.id);
            db.prepare('UPDATE tasks SET n_done = n_done + 1, n_do_not_call = n_do_not_call + 1, updated_at = ? WHERE id = ?').run(now, task.id);
            skipped++;
            continue;
          }
          db.prepare(`UPDATE task_numbers SET state = ${sql('dialing')}, attempts = attempts + 1, updated_at = ? WHERE id = ?`).run(now, next.id);
          const attempt = db
            .prepare(`INSERT INTO call_attempts (task_id, task_number_id, attempt_no, state, dry_run, started_at) VALUES (?, ?, ?, ${sql('in_flight')}, ?, ?)`)
            .run(task.id, next.id, next.attempts + 1, task.dryRun ? 1 : 0, now);
          return { claim: { numberId: next.id, to: next.phone_e164, attemptNo: next.attempts + 1, attemptId: Number(attempt.lastInsertRowid) }, skipped };
        }
      })
      .immediate();
  }

  /**
   * Writes a call's end, under the epoch it was claimed at and only while the
   * attempt is still in flight: the attempt's result (and trace), then the
   * number's next state. A retryable outcome with attempts left (and the task
   * not cancelled) waits for its retry; anything else is the number's one
   * final outcome with its counter, and `onFinal` (the SMS follow-up) runs in
   * the same transaction. An attempt or number that moved on (recovered,
   * retried by the user) throws NotInFlightError, which rolls it all back.
   */
  finishAttempt(
    fence: Fence,
    task: DialingTask,
    claim: Claim,
    report: CallReport & { trace?: SipTraceEntry[] },
    now: number,
    onFinal: (outcome: CallOutcome) => void,
  ): void {
    const { db } = this;
    db.transaction(() => {
      assertFence(db, fence);
      const result = CALL_REPORT.write(report);
      const errors = attemptErrorColumns(report.errors);
      const ended = db
        .prepare(
          `UPDATE call_attempts SET state = ${sql('ended')}, ${result.columns.map((c) => `${c} = ?`).join(', ')}, error = ?, error_codes = ?, ended_at = ?
           WHERE id = ? AND state = ${sql('in_flight')}`,
        )
        .run(...result.values, errors.error, errors.errorCodes, now, claim.attemptId).changes;
      if (ended === 0) throw new NotInFlightError(claim.attemptId);
      if (report.trace && report.trace.length > 0) {
        db.prepare('INSERT OR REPLACE INTO call_traces (attempt_id, trace) VALUES (?, ?)').run(claim.attemptId, JSON.stringify(report.trace));
      }
      // Retries only while the task goes on, and never more than the attempts asked for.
      if (RETRYABLE.has(report.outcome) && claim.attemptNo < task.maxAttempts && this.statusOf(task.id) !== 'cancelled') {
        const waiting = db
          .prepare(`UPDATE task_numbers SET state = ${sql('waiting_retry')}, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = ${sql('dialing')}`)
          .run(now + task.retryIntervalMs, now, claim.numberId).changes;
        if (waiting === 0) throw new NotInFlightError(claim.attemptId);
        return;
      }
      const done = db
        .prepare(`UPDATE task_numbers SET state = ${sql('done')}, outcome = ?, updated_at = ? WHERE id = ? AND state = ${sql('dialing')}`)
        .run(report.outcome, now, claim.numberId).changes;
      if (done === 0) throw new NotInFlightError(claim.attemptId);
      const counter = counterFor(report.outcome);
      db.prepare(`UPDATE tasks SET n_done = n_done + 1, ${counter} = ${counter} + 1, updated_at = ? WHERE id = ?`).run(now, task.id);
      onFinal(report.outcome);
    }).immediate();
  }

  /** Running tasks with no number left to dial or in a call. */
  runningWithoutOpenNumbers(): number[] {
    return this.db
      .prepare(
        `SELECT id FROM tasks t WHERE status = ${sql('running')}
           AND NOT EXISTS (SELECT 1 FROM task_numbers n WHERE n.task_id = t.id AND n.state IN ${sqlList(OPEN_NUMBER_STATES)}) ORDER BY id`,
      )
      .pluck()
      .all() as number[];
  }

  /**
   * Marks every in-flight attempt uncertain with `errors`, its number (if
   * still dialing) uncertain, and counts it done and uncertain; in the
   * caller's fenced transaction (recovery.ts). Returns the attempts' task ids.
   */
  markInFlightUncertain(errors: { error: string | null; errorCodes: string | null }, now: number): number[] {
    const attempts = this.db.prepare(`SELECT id, task_id, task_number_id FROM call_attempts WHERE state = ${sql('in_flight')}`).all() as {
      id: number;
      task_id: number;
      task_number_id: number;
    }[];
    for (const a of attempts) {
      this.db
        .prepare(`UPDATE call_attempts SET state = ${sql('uncertain')}, error = ?, error_codes = ?, ended_at = ? WHERE id = ?`)
        .run(errors.error, errors.errorCodes, now, a.id);
      const n = this.db
        .prepare(`UPDATE task_numbers SET state = ${sql('uncertain')}, updated_at = ? WHERE id = ? AND state = ${sql('dialing')}`)
        .run(now, a.task_number_id).changes;
      if (n > 0) this.db.prepare('UPDATE tasks SET n_uncertain = n_uncertain + 1, n_done = n_done + 1, updated_at = ? WHERE id = ?').run(now, a.task_id);
    }
    return attempts.map((a) => a.task_id);
  }

  // ---- attempts --------------------------------------------------------------

  /** Every attempt of one number, oldest first, for the detail view. */
  attempts(numberId: number): CallAttemptView[] {
    const rows = this.db
      .prepare(
        `SELECT a.*, (SELECT 1 FROM call_traces t WHERE t.attempt_id = a.id) AS has_trace
         FROM call_attempts a WHERE a.task_number_id = ? ORDER BY a.attempt_no`,
      )
      .all(numberId) as Row[];
    return rows.map((r) => CALL_ATTEMPT.read(r));
  }

  attemptExists(attemptId: number): boolean {
    return this.db.prepare('SELECT 1 FROM call_attempts WHERE id = ?').get(attemptId) !== undefined;
  }

  /** The masked SIP messages stored with an attempt, or undefined when none were (dry run, or not an attempt). */
  trace(attemptId: number): SipTraceEntry[] | undefined {
    const trace = this.db.prepare('SELECT trace FROM call_traces WHERE attempt_id = ?').pluck().get(attemptId) as string | undefined;
    return trace === undefined ? undefined : (JSON.parse(trace) as SipTraceEntry[]);
  }

  // ---- figures (taskFigures.ts) ------------------------------------------------

  /** Attempts ended in [from, to), one sum per outcome (`sums`: a SELECT list over `outcome`), optionally of one task. */
  endedSums(sums: string, taskId?: number): (from: number, to: number) => unknown {
    const statement = this.db.prepare(`SELECT ${sums} FROM call_attempts WHERE ${taskId === undefined ? '' : 'task_id = ? AND '}ended_at >= ? AND ended_at < ?`);
    return (from, to) => (taskId === undefined ? statement.get(from, to) : statement.get(taskId, from, to));
  }

  countEndedSince(since: number): number {
    return this.db.prepare('SELECT count(*) FROM call_attempts WHERE ended_at > ? AND ended_at IS NOT NULL').pluck().get(since) as number;
  }

  /** The running tasks, in id order (the dashboard's list). */
  running(): Task[] {
    const rows = this.db.prepare(`SELECT ${TASK.select} FROM tasks WHERE status = ${sql('running')} ORDER BY id`).all() as Row[];
    return rows.map((r) => TASK.read(r));
  }

  countEndedAttempts(taskId: number): number {
    return this.db.prepare('SELECT count(*) FROM call_attempts WHERE task_id = ? AND ended_at IS NOT NULL').pluck().get(taskId) as number;
  }

  /** The average length of the task's last `recent` ended attempts, or null before the first. */
  averageAttemptMs(taskId: number, recent: number): number | null {
    return this.db
      .prepare(
        `SELECT avg(ended_at - started_at) FROM (
           SELECT ended_at, started_at FROM call_attempts WHERE task_id = ? AND ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT ?)`,
      )
      .pluck()
      .get(taskId, recent) as number | null;
  }

  // ---- counters (counters.ts) ---------------------------------------------------

  countersAgainstRows(taskId?: number): CounterRow[] {
    return (taskId === undefined ? this.db.prepare(COUNTERS_FROM_ROWS).all() : this.db.prepare(`${COUNTERS_FROM_ROWS} WHERE t.id = ?`).all(taskId)) as CounterRow[];
  }

  setCounters(taskId: number, values: { counter: Counter; value: number }[]): void {
    this.db.prepare(`UPDATE tasks SET ${values.map((v) => `n_${v.counter} = ?`).join(', ')} WHERE id = ?`).run(...values.map((v) => v.value), taskId);
  }
}

function userWhere(kind: TaskUser, id: number): [string, number[]] {
  if (kind === 'recording') return ['recording_id = ?', [id]];
  if (kind === 'roster') return ['roster_id = ?', [id]];
  return ['(sms_disconnect_template_id = ? OR sms_unanswered_template_id = ?)', [id, id]];
}
