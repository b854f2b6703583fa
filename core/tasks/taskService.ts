import { checkTaskName, TASK_NAME_RULE_EN } from '../../shared/validation/taskName.js';
import type { CallAttemptView, CallOutcome, Page, SipTraceEntry, Task, TaskRef, TaskNumberFilter, TaskNumberRow, TaskStatus } from '../../shared/types.js';
import { NUMBER_OUTCOMES } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { attemptErrorCodes } from './storedErrors.js';
import { TASK_NUMBER_SELECT, toTask, toTaskNumber, type TaskNumberJoinedRow, type TaskRow } from './taskRows.js';

export interface CreateTaskInput {
  name: string;
  recordingId: number;
  rosterId: number;
  /** Omitted: run immediately. Otherwise an instant in the future (entered in WIB by the user). */
  startAt?: number;
  smsDisconnectTemplateId?: number | null;
  smsUnansweredTemplateId?: number | null;
  maxAttempts?: number;
  retryIntervalMinutes?: number;
  callingWindow?: { start: string; end: string } | null;
}

/** Statuses in which a task still needs its recording, roster and templates. */
const UNFINISHED: readonly TaskStatus[] = ['scheduled', 'running', 'paused'];
const UNFINISHED_SQL = `status IN ('scheduled', 'running', 'paused')`;

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * The user's operations on tasks. Dialing itself is the engine's; this
 * service only changes what the engine reads (status, numbers), each change
 * in one transaction, and tells listeners through `task.changed`.
 */
export class TaskService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly options: { isDryRun: () => boolean; onChange?: (taskId: number) => void },
  ) {}

  private changed(id: number): void {
    this.options.onChange?.(id);
    this.ctx.emit('task.changed', { taskId: id });
  }

  private row(id: number): TaskRow {
    const row = this.ctx.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
    if (!row) throw new AppError('task.notFound', `Task ${id} does not exist. It may have been deleted.`, { id });
    return row;
  }

  get(id: number): Task {
    return toTask(this.row(id));
  }

  list(page: number, pageSize: number, status?: TaskStatus): Page<Task> {
    const where = status ? 'WHERE status = ?' : '';
    const args = status ? [status] : [];
    const total = (this.ctx.db.prepare(`SELECT count(*) AS n FROM tasks ${where}`).get(...args) as { n: number }).n;
    const rows = this.ctx.db
      .prepare(`SELECT * FROM tasks ${where} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(...args, pageSize, (page - 1) * pageSize) as TaskRow[];
    return { items: rows.map(toTask), total, page, pageSize };
  }

  create(input: CreateTaskInput): Task {
    const { db, clock } = this.ctx;
    const name = validateName(input.name);
    const now = clock.now();
    const scheduled = input.startAt !== undefined;
    const startAt = input.startAt ?? now;
    if (scheduled && startAt <= now) {
      throw new AppError('task.startInPast', 'The scheduled start time has already passed. Choose a time in the future (WIB), or Run Immediately.');
    }
    const maxAttempts = input.maxAttempts ?? 1;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) {
      throw new AppError('task.badAttempts', 'Attempts per number must be between 1 and 10.', { min: 1, max: 10 });
    }
    const retryMinutes = input.retryIntervalMinutes ?? 0;
    if (maxAttempts > 1 && (!Number.isFinite(retryMinutes) || retryMinutes < 1 || retryMinutes > 24 * 60)) {
      throw new AppError('task.badRetryInterval', 'The retry interval must be between 1 and 1440 minutes.', { min: 1, max: 1440 });
    }
    const window = input.callingWindow ?? null;
    if (window && (!HHMM.test(window.start) || !HHMM.test(window.end) || window.start === window.end)) {
      throw new AppError('task.badWindow', 'The calling window needs a start and an end time as HH:mm (WIB), and they must differ.');
    }

    const recording = db.prepare('SELECT id, name FROM recordings WHERE id = ?').get(input.recordingId) as { id: number; name: string } | undefined;
    if (!recording) throw new AppError('task.recordingMissing', 'The chosen recording no longer exists. Choose another recording.');
    const roster = db.prepare("SELECT id, name, valid_count FROM rosters WHERE id = ? AND status = 'ready'").get(input.rosterId) as
      | { id: number; name: string; valid_count: number }
      | undefined;
    if (!roster) throw new AppError('task.rosterMissing', 'The chosen roster no longer exists. Choose another roster.');
    if (roster.valid_count === 0) {
      // A campaign that silently dials nothing is a known complaint (DOMAIN.md): refuse it up front.
      throw new AppError('task.rosterEmpty', `The roster "${roster.name}" has no usable numbers. Import a roster with valid phone numbers.`, { roster: roster.name });
    }
    const disconnect = input.smsDisconnectTemplateId ?? null;
    const unanswered = input.smsUnansweredTemplateId ?? null;
    if (disconnect !== null || unanswered !== null) {
      const account = db.prepare('SELECT active FROM sms_account WHERE id = 1').get() as { active: number } | undefined;
      if (!account || account.active !== 1) {
        throw new AppError('task.smsAccountInactive', 'SMS follow-ups need an active SMS account. Set one up in Settings, or turn the SMS options off.');
      }
      for (const templateId of [disconnect, unanswered]) {
        if (templateId === null) continue;
        const t = db.prepare('SELECT status FROM sms_templates WHERE id = ?').get(templateId) as { status: string } | undefined;
        if (!t || t.status !== 'approved') {
          throw new AppError('task.templateNotApproved', 'Only approved SMS templates can be used. Approve the template first, or choose another.');
        }
      }
    }

    const id = db.transaction(() => {
      const result = db
        .prepare(
          `INSERT INTO tasks (name, recording_id, recording_name, roster_id, roster_name, status, start_at, scheduled,
             sms_disconnect_template_id, sms_unanswered_template_id, max_attempts, retry_interval_ms, window_start, window_end,
             dry_run, total, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
        )
        .run(
          name,
          recording.id,
          recording.name,
          roster.id,
          roster.name,
          // Run Immediately is a schedule that is due now: the engine starts both the same way.
          'scheduled',
          startAt,
          scheduled ? 1 : 0,
          disconnect,
          unanswered,
          maxAttempts,
          maxAttempts > 1 ? Math.round(retryMinutes * 60_000) : 0,
          window?.start ?? null,
          window?.end ?? null,
          this.options.isDryRun() ? 1 : 0,
          now,
          now,
        );
      const taskId = Number(result.lastInsertRowid);
      const copied = db
        .prepare(
          `INSERT INTO task_numbers (task_id, row_number, phone_e164, variables, state, updated_at)
           SELECT ?, row_number, phone_e164, variables, 'pending', ? FROM roster_entries WHERE roster_id = ? ORDER BY row_number`,
        )
        .run(taskId, now, roster.id);
      db.prepare('UPDATE tasks SET total = ? WHERE id = ?').run(copied.changes, taskId);
      return taskId;
    })();
    this.ctx.log.info('task created', { id, scheduled, startAt });
    this.changed(id);
    return this.get(id);
  }

  rename(id: number, newName: string): Task {
    const name = validateName(newName);
    this.row(id);
    this.ctx.db.prepare('UPDATE tasks SET name = ?, updated_at = ? WHERE id = ?').run(name, this.ctx.clock.now(), id);
    this.changed(id);
    return this.get(id);
  }

  /** Stops new calls at once; calls already connected finish (DOMAIN.md). */
  pause(id: number): Task {
    return this.transition(id, ['running', 'scheduled'], 'paused', 'task.cannotPause', 'Only a running or scheduled task can be paused.');
  }

  resume(id: number): Task {
    const row = this.row(id);
    // A paused task whose start time had not come yet goes back to waiting for it.
    const to: TaskStatus = row.started_at === null ? 'scheduled' : 'running';
    return this.transition(id, ['paused'], to, 'task.cannotResume', 'Only a paused task can be resumed.');
  }

  cancel(id: number): Task {
    const task = this.transition(id, ['scheduled', 'running', 'paused'], 'cancelled', 'task.cannotCancel', 'This task has already ended.');
    this.ctx.db.prepare('UPDATE tasks SET finished_at = ? WHERE id = ?').run(this.ctx.clock.now(), id);
    return { ...task, finishedAt: this.ctx.clock.now() };
  }

  remove(id: number): void {
    const row = this.row(id);
    if (row.status === 'running') {
      throw new AppError('task.deleteRunning', 'A running task cannot be deleted. Pause or cancel it first.');
    }
    const inFlight = this.ctx.db.prepare("SELECT count(*) AS n FROM task_numbers WHERE task_id = ? AND state = 'dialing'").get(id) as { n: number };
    if (inFlight.n > 0) {
      throw new AppError('task.deleteInFlight', 'Calls of this task are still connected. Wait until they end, then delete it.');
    }
    this.ctx.db.prepare('DELETE FROM tasks WHERE id = ?').run(id);
    this.changed(id);
  }

  /**
   * Numbers whose call was in flight when the app stopped are never called
   * again automatically; the user may choose to call them again.
   */
  retryUncertain(id: number): Task {
    const row = this.row(id);
    if (row.status === 'cancelled') throw new AppError('task.cancelled', 'This task was cancelled; create a new task to call these numbers.');
    const now = this.ctx.clock.now();
    this.ctx.db.transaction(() => {
      const n = this.ctx.db
        .prepare("UPDATE task_numbers SET state = 'pending', next_attempt_at = 0, updated_at = ? WHERE task_id = ? AND state = 'uncertain'")
        .run(now, id).changes;
      if (n === 0) return;
      this.ctx.db
        .prepare(
          `UPDATE tasks SET n_uncertain = n_uncertain - ?, n_done = n_done - ?, finished_at = NULL,
             status = CASE WHEN status = 'completed' THEN 'running' ELSE status END, updated_at = ? WHERE id = ?`,
        )
        .run(n, n, now, id);
    })();
    this.changed(id);
    return this.get(id);
  }

  numbers(id: number, filter: TaskNumberFilter, page: number, pageSize: number): Page<TaskNumberRow> {
    this.row(id);
    const [where, args] = numberFilter(filter);
    const total = (this.ctx.db.prepare(`SELECT count(*) AS n FROM task_numbers n WHERE n.task_id = ? ${where}`).get(id, ...args) as { n: number }).n;
    const rows = this.ctx.db
      .prepare(`${TASK_NUMBER_SELECT} WHERE n.task_id = ? ${where} ORDER BY n.id LIMIT ? OFFSET ?`)
      .all(id, ...args, pageSize, (page - 1) * pageSize) as TaskNumberJoinedRow[];
    return { items: rows.map(toTaskNumber), total, page, pageSize };
  }

  /** Every attempt of one number, oldest first, for the detail view. */
  attempts(numberId: number): CallAttemptView[] {
    const rows = this.ctx.db
      .prepare(
        `SELECT a.*, (SELECT 1 FROM call_traces t WHERE t.attempt_id = a.id) AS has_trace
         FROM call_attempts a WHERE a.task_number_id = ? ORDER BY a.attempt_no`,
      )
      .all(numberId) as AttemptRow[];
    if (rows.length === 0 && !this.ctx.db.prepare('SELECT 1 FROM task_numbers WHERE id = ?').get(numberId)) {
      throw new AppError('task.numberNotFound', `Number ${numberId} is not in any task; it may have been deleted with its task.`);
    }
    return rows.map((r) => ({
      id: r.id,
      attemptNo: r.attempt_no,
      state: r.state,
      outcome: r.outcome,
      hungUpBy: r.hung_up_by,
      finalStatus: r.final_status,
      q850Cause: r.q850_cause,
      ringMs: r.ring_ms,
      answeredMs: r.answered_ms,
      playedMs: r.played_ms,
      playedToEnd: r.played_to_end === null ? null : r.played_to_end === 1,
      dtmf: r.dtmf,
      error: r.error,
      errorCodes: attemptErrorCodes(r.error_codes),
      dryRun: r.dry_run === 1,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      hasTrace: r.has_trace === 1,
    }));
  }

  /** The SIP messages of one attempt (masked when they were recorded); empty for dry-run attempts. */
  attemptTrace(attemptId: number): SipTraceEntry[] {
    const row = this.ctx.db.prepare('SELECT trace FROM call_traces WHERE attempt_id = ?').get(attemptId) as { trace: string } | undefined;
    if (row) return JSON.parse(row.trace) as SipTraceEntry[];
    if (!this.ctx.db.prepare('SELECT 1 FROM call_attempts WHERE id = ?').get(attemptId)) {
      throw new AppError('task.attemptNotFound', `Call attempt ${attemptId} does not exist; it may have been deleted with its task.`);
    }
    return [];
  }

  /** The unfinished tasks that use a recording, roster or template, oldest first (deletion is refused while there are any). */
  usersOf(kind: 'recording' | 'roster' | 'template', id: number): TaskRef[] {
    const where =
      kind === 'recording' ? 'recording_id = ?' : kind === 'roster' ? 'roster_id = ?' : '(sms_disconnect_template_id = ? OR sms_unanswered_template_id = ?)';
    const args = kind === 'template' ? [id, id] : [id];
    return this.ctx.db.prepare(`SELECT id, name FROM tasks WHERE ${where} AND ${UNFINISHED_SQL} ORDER BY id`).all(...args) as TaskRef[];
  }

  /** Whether an unfinished task uses it: recordings, rosters and templates refuse deletion then. */
  usesRecording(recordingId: number): boolean {
    return this.ctx.db.prepare(`SELECT 1 FROM tasks WHERE recording_id = ? AND ${UNFINISHED_SQL} LIMIT 1`).get(recordingId) !== undefined;
  }

  usesRoster(rosterId: number): boolean {
    return this.ctx.db.prepare(`SELECT 1 FROM tasks WHERE roster_id = ? AND ${UNFINISHED_SQL} LIMIT 1`).get(rosterId) !== undefined;
  }

  usesTemplate(templateId: number): boolean {
    return (
      this.ctx.db
        .prepare(`SELECT 1 FROM tasks WHERE (sms_disconnect_template_id = ? OR sms_unanswered_template_id = ?) AND ${UNFINISHED_SQL} LIMIT 1`)
        .get(templateId, templateId) !== undefined
    );
  }

  private transition(id: number, from: readonly TaskStatus[], to: TaskStatus, code: string, message: string): Task {
    const placeholders = from.map(() => '?').join(', ');
    const changes = this.ctx.db
      .prepare(`UPDATE tasks SET status = ?, updated_at = ? WHERE id = ? AND status IN (${placeholders})`)
      .run(to, this.ctx.clock.now(), id, ...from).changes;
    if (changes === 0) {
      const row = this.row(id);
      throw new AppError(code, `${message} This task is ${row.status}.`, { status: row.status });
    }
    this.ctx.log.info('task status', { id, to });
    this.changed(id);
    return this.get(id);
  }
}

export function numberFilter(filter: TaskNumberFilter): [string, unknown[]] {
  if (filter === 'all') return ['', []];
  if (filter === 'pending') return ["AND n.state IN ('pending', 'dialing', 'waiting_retry')", []];
  if (filter === 'uncertain') return ["AND n.state = 'uncertain'", []];
  if ((NUMBER_OUTCOMES as readonly string[]).includes(filter)) return ["AND n.state = 'done' AND n.outcome = ?", [filter]];
  throw new AppError('task.badFilter', `Unknown filter ${filter}.`);
}

function validateName(raw: string): string {
  const name = raw.trim();
  const check = checkTaskName(name);
  if (check.ok) return name;
  if (check.problem === 'badCharacters') {
    throw new AppError('task.nameBadCharacters', `The task name contains characters that are not allowed: ${check.badCharacters}. ${TASK_NAME_RULE_EN}`, {
      characters: check.badCharacters ?? '',
    });
  }
  if (check.problem === 'tooLong') throw new AppError('task.nameTooLong', 'The task name is too long: use at most 60 characters.', { max: 60 });
  if (check.problem === 'empty') throw new AppError('task.nameEmpty', 'Enter a task name.');
  throw new AppError('task.nameBadSpaces', `Use single spaces between words in the task name. ${TASK_NAME_RULE_EN}`);
}

export { UNFINISHED };

interface AttemptRow {
  id: number;
  attempt_no: number;
  state: CallAttemptView['state'];
  outcome: CallOutcome | null;
  hung_up_by: 'callee' | 'system' | null;
  final_status: number | null;
  q850_cause: number | null;
  ring_ms: number | null;
  answered_ms: number | null;
  played_ms: number | null;
  played_to_end: number | null;
  dtmf: string | null;
  error: string | null;
  error_codes: string | null;
  dry_run: number;
  started_at: number;
  ended_at: number | null;
  has_trace: number | null;
}
