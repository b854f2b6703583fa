import { isTimeOfDay } from '../../shared/time/wib.js';
import { checkTaskName } from '../../shared/validation/taskName.js';
import type { CallAttemptView, CallOutcome, Page, SipTraceEntry, Task, TaskRef, TaskNumberFilter, TaskNumberRow, TaskStatus } from '../../shared/types.js';
import { NUMBER_OUTCOMES } from '../../shared/types.js';
import { missingVariables, rosterVariableColumns, templateSyntaxProblems } from '../../shared/sms/render.js';
import type { CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { attemptErrorCodes } from './storedErrors.js';
import { taskNumberSelect, toTask, toTaskNumber, type TaskNumberJoinedRow, type TaskRow } from './taskRows.js';

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

interface TaskPlan {
  name: string;
  scheduled: boolean;
  startAt: number;
  recording: { id: number; name: string };
  disconnect: number | null;
  unanswered: number | null;
  maxAttempts: number;
  retryMinutes: number;
  window: { start: string; end: string } | null;
}

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
    if (!row) throw new AppError('task.notFound', { id });
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
    const roster = this.ctx.db
      .prepare("SELECT id, name, valid_count, columns, phone_column FROM rosters WHERE id = ? AND status = 'ready'")
      .get(input.rosterId) as { id: number; name: string; valid_count: number; columns: string; phone_column: string } | undefined;
    // The fields first (name, start, retries, window, templates), then the roster they are for.
    const plan = this.plan(
      input,
      roster
        ? { rosterName: roster.name, columns: rosterVariableColumns({ columns: JSON.parse(roster.columns) as string[], phoneColumn: roster.phone_column }) }
        : null,
    );
    if (!roster) throw new AppError('task.rosterMissing');
    if (roster.valid_count === 0) {
      // A campaign that silently dials nothing is a known complaint (docs/DOMAIN.md): refuse it up front.
      throw new AppError('task.rosterEmpty', { roster: roster.name });
    }
    const id = this.insert(plan, roster, (taskId, now) =>
      this.ctx.db
        .prepare(
          `INSERT INTO task_numbers (task_id, row_number, phone_e164, variables, state, updated_at)
           SELECT ?, row_number, phone_e164, variables, 'pending', ? FROM roster_entries WHERE roster_id = ? ORDER BY row_number`,
        )
        .run(taskId, now, roster.id).changes,
    );
    this.ctx.log.info('task created', { id, scheduled: plan.scheduled, startAt: plan.startAt });
    this.changed(id);
    return this.get(id);
  }

  /**
   * "Call again" (issue 9; VICIdial's list recycling): a new task that calls
   * the numbers of `sourceId` whose final outcome is one of `outcomes`, with
   * the same recording, SMS follow-ups, retries and calling window. The
   * numbers are copied with their roster columns, so the SMS variables and
   * the name column carry over even if the roster was deleted since.
   */
  callAgain(sourceId: number, input: { name: string; outcomes: readonly CallOutcome[]; startAt?: number }): Task {
    const source = this.row(sourceId);
    const outcomes = [...new Set(input.outcomes)];
    if (outcomes.length === 0) {
      throw new AppError('task.callAgainNoOutcome');
    }
    // The copied numbers keep the source roster's columns, which its templates were checked against when it was created.
    const sourceRoster =
      source.roster_id === null
        ? undefined
        : (this.ctx.db.prepare('SELECT name, columns, phone_column FROM rosters WHERE id = ?').get(source.roster_id) as
            | { name: string; columns: string; phone_column: string }
            | undefined);
    const variables = sourceRoster
      ? { rosterName: sourceRoster.name, columns: rosterVariableColumns({ columns: JSON.parse(sourceRoster.columns) as string[], phoneColumn: sourceRoster.phone_column }) }
      : null;
    const plan = this.plan({
      name: input.name,
      recordingId: source.recording_id,
      rosterId: source.roster_id ?? 0,
      ...(input.startAt !== undefined ? { startAt: input.startAt } : {}),
      smsDisconnectTemplateId: source.sms_disconnect_template_id,
      smsUnansweredTemplateId: source.sms_unanswered_template_id,
      maxAttempts: source.max_attempts,
      retryIntervalMinutes: Math.round(source.retry_interval_ms / 60_000),
      callingWindow: source.window_start && source.window_end ? { start: source.window_start, end: source.window_end } : null,
    }, variables);
    const placeholders = outcomes.map(() => '?').join(', ');
    const id = this.insert(plan, { id: source.roster_id, name: source.roster_name }, (taskId, now) => {
      const copied = this.ctx.db
        .prepare(
          `INSERT INTO task_numbers (task_id, row_number, phone_e164, variables, state, updated_at)
           SELECT ?, row_number, phone_e164, variables, 'pending', ? FROM task_numbers
           WHERE task_id = ? AND state = 'done' AND outcome IN (${placeholders}) ORDER BY id`,
        )
        .run(taskId, now, sourceId, ...outcomes).changes;
      // Thrown inside the transaction, so no empty task is left behind.
      if (copied === 0) {
        throw new AppError('task.callAgainNoNumbers', {
          name: source.name,
        });
      }
      return copied;
    });
    this.ctx.log.info('task created to call again', { id, sourceId, outcomes });
    this.changed(id);
    return this.get(id);
  }

  /** Checks everything a new task needs except its numbers; nothing is written. */
  private plan(input: CreateTaskInput, variables: { rosterName: string; columns: readonly string[] } | null): TaskPlan {
    const { db, clock } = this.ctx;
    const name = validateName(input.name);
    this.checkNameFree(name, null);
    const now = clock.now();
    const scheduled = input.startAt !== undefined;
    const startAt = input.startAt ?? now;
    if (scheduled && startAt <= now) {
      throw new AppError('task.startInPast');
    }
    const maxAttempts = input.maxAttempts ?? 1;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) {
      throw new AppError('task.badAttempts', { min: 1, max: 10 });
    }
    const retryMinutes = input.retryIntervalMinutes ?? 0;
    if (maxAttempts > 1 && (!Number.isFinite(retryMinutes) || retryMinutes < 1 || retryMinutes > 24 * 60)) {
      throw new AppError('task.badRetryInterval', { min: 1, max: 1440 });
    }
    const window = input.callingWindow ?? null;
    // A time that is not a time of day (24:00, 08:60) is named with its field; 24:00 would otherwise be read as the next day.
    if (window && !isTimeOfDay(window.start)) {
      throw new AppError('task.badWindowStart', { time: window.start });
    }
    if (window && !isTimeOfDay(window.end)) {
      throw new AppError('task.badWindowEnd', { time: window.end });
    }
    if (window && (!HHMM.test(window.start) || !HHMM.test(window.end) || window.start === window.end)) {
      throw new AppError('task.badWindow');
    }

    const recording = db.prepare('SELECT id, name FROM recordings WHERE id = ?').get(input.recordingId) as { id: number; name: string } | undefined;
    if (!recording) throw new AppError('task.recordingMissing');
    const disconnect = input.smsDisconnectTemplateId ?? null;
    const unanswered = input.smsUnansweredTemplateId ?? null;
    if (disconnect !== null || unanswered !== null) {
      const account = db.prepare('SELECT active FROM sms_account WHERE id = 1').get() as { active: number } | undefined;
      if (!account || account.active !== 1) {
        throw new AppError('task.smsAccountInactive');
      }
      for (const templateId of [disconnect, unanswered]) {
        if (templateId === null) continue;
        const t = db.prepare('SELECT name, body, status FROM sms_templates WHERE id = ?').get(templateId) as { name: string; body: string; status: string } | undefined;
        if (!t || t.status !== 'approved') {
          throw new AppError('task.templateNotApproved');
        }
        if (variables) checkTemplateFits(t, variables.rosterName, variables.columns);
      }
    }
    return { name, scheduled, startAt, recording, disconnect, unanswered, maxAttempts, retryMinutes, window };
  }

  /** Writes the task and its numbers (copied by `copyNumbers`) in one transaction; the name is checked again inside it. */
  private insert(plan: TaskPlan, roster: { id: number | null; name: string }, copyNumbers: (taskId: number, now: number) => number): number {
    const { db } = this.ctx;
    const now = this.ctx.clock.now();
    return db.transaction(() => {
      this.checkNameFree(plan.name, null);
      const result = db
        .prepare(
          `INSERT INTO tasks (name, recording_id, recording_name, roster_id, roster_name, status, start_at, scheduled,
             sms_disconnect_template_id, sms_unanswered_template_id, max_attempts, retry_interval_ms, window_start, window_end,
             dry_run, total, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
        )
        .run(
          plan.name,
          plan.recording.id,
          plan.recording.name,
          roster.id,
          roster.name,
          // Run Immediately is a schedule that is due now: the engine starts both the same way.
          'scheduled',
          plan.startAt,
          plan.scheduled ? 1 : 0,
          plan.disconnect,
          plan.unanswered,
          plan.maxAttempts,
          plan.maxAttempts > 1 ? Math.round(plan.retryMinutes * 60_000) : 0,
          plan.window?.start ?? null,
          plan.window?.end ?? null,
          this.options.isDryRun() ? 1 : 0,
          now,
          now,
        );
      const taskId = Number(result.lastInsertRowid);
      const copied = copyNumbers(taskId, now);
      db.prepare('UPDATE tasks SET total = ? WHERE id = ?').run(copied, taskId);
      return taskId;
    })();
  }

  /**
   * Two tasks with one name cannot be told apart in the table, the exports
   * or the command line (issue 9): a name is refused while another task has
   * it, compared without regard to the case of English letters.
   */
  private checkNameFree(name: string, exceptId: number | null): void {
    const other = this.ctx.db.prepare('SELECT id, name FROM tasks WHERE name = ? COLLATE NOCASE AND id IS NOT ? LIMIT 1').get(name, exceptId) as
      | { id: number; name: string }
      | undefined;
    if (other) {
      throw new AppError('task.nameTaken', {
        name: other.name,
      });
    }
  }

  rename(id: number, newName: string): Task {
    const name = validateName(newName);
    this.row(id);
    this.ctx.db.transaction(() => {
      this.checkNameFree(name, id);
      this.ctx.db.prepare('UPDATE tasks SET name = ?, updated_at = ? WHERE id = ?').run(name, this.ctx.clock.now(), id);
    })();
    this.changed(id);
    return this.get(id);
  }

  /** Stops new calls at once; calls already connected finish (docs/DOMAIN.md). */
  pause(id: number): Task {
    return this.transition(id, ['running', 'scheduled'], 'paused', 'task.cannotPause');
  }

  resume(id: number): Task {
    const row = this.row(id);
    // A paused task whose start time had not come yet goes back to waiting for it.
    const to: TaskStatus = row.started_at === null ? 'scheduled' : 'running';
    return this.transition(id, ['paused'], to, 'task.cannotResume');
  }

  cancel(id: number): Task {
    const task = this.transition(id, ['scheduled', 'running', 'paused'], 'cancelled', 'task.cannotCancel');
    this.ctx.db.prepare('UPDATE tasks SET finished_at = ? WHERE id = ?').run(this.ctx.clock.now(), id);
    return { ...task, finishedAt: this.ctx.clock.now() };
  }

  remove(id: number): void {
    const row = this.row(id);
    if (row.status === 'running') {
      throw new AppError('task.deleteRunning');
    }
    const inFlight = this.ctx.db.prepare("SELECT count(*) AS n FROM task_numbers WHERE task_id = ? AND state = 'dialing'").get(id) as { n: number };
    if (inFlight.n > 0) {
      throw new AppError('task.deleteInFlight');
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
    if (row.status === 'cancelled') throw new AppError('task.cancelled');
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

  /**
   * One page of the task's numbers, filtered by outcome and, when `search`
   * is given, by number (digits anywhere in it; a leading 0 is read as +62,
   * as rosters write Indonesian numbers) or by the customer's name.
   */
  numbers(id: number, filter: TaskNumberFilter, page: number, pageSize: number, search?: string, nameColumn: string | null = null): Page<TaskNumberRow> {
    this.row(id);
    const [where, args] = numberFilter(filter);
    const namePath = nameColumn !== null && !nameColumn.includes('"') ? `$."${nameColumn}"` : null;
    const [searchWhere, searchArgs] = numberSearch(search, namePath);
    const total = (
      this.ctx.db.prepare(`SELECT count(*) AS n FROM task_numbers n WHERE n.task_id = ? ${where} ${searchWhere}`).get(id, ...args, ...searchArgs) as { n: number }
    ).n;
    const rows = this.ctx.db
      .prepare(`${taskNumberSelect(namePath ? 'json_extract(n.variables, ?)' : 'NULL')} WHERE n.task_id = ? ${where} ${searchWhere} ORDER BY n.id LIMIT ? OFFSET ?`)
      .all(...(namePath ? [namePath] : []), id, ...args, ...searchArgs, pageSize, (page - 1) * pageSize) as TaskNumberJoinedRow[];
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
      throw new AppError('task.numberNotFound');
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
      throw new AppError('task.attemptNotFound');
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

  private transition(id: number, from: readonly TaskStatus[], to: TaskStatus, code: 'task.cannotPause' | 'task.cannotResume' | 'task.cannotCancel'): Task {
    const placeholders = from.map(() => '?').join(', ');
    const changes = this.ctx.db
      .prepare(`UPDATE tasks SET status = ?, updated_at = ? WHERE id = ? AND status IN (${placeholders})`)
      .run(to, this.ctx.clock.now(), id, ...from).changes;
    if (changes === 0) {
      const row = this.row(id);
      throw new AppError(code, { status: row.status });
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
  throw new AppError('task.badFilter');
}

/**
 * A template variable no roster column fills would reach every customer as
 * typed ("Halo A {Kota}", issue 10), and so would a brace typed by mistake in
 * a template saved before templates were checked: the task is refused, with
 * the names, before any number is called.
 */
function checkTemplateFits(template: { name: string; body: string }, rosterName: string, columns: readonly string[]): void {
  const syntax = templateSyntaxProblems(template.body)[0];
  if (syntax) {
    throw new AppError('task.templateSyntax', { template: template.name, excerpt: syntax.excerpt });
  }
  const missing = missingVariables(template.body, columns);
  if (missing.length === 0) return;
  const names = missing.map((m) => `{${m}}`).join(', ');
  const available = [...columns, 'phone'].map((c) => `{${c}}`).join(', ');
  throw new AppError('task.templateVariablesMissing', { template: template.name, roster: rosterName, missing: names, columns: available });
}

export function numberSearch(search: string | undefined, namePath: string | null): [string, unknown[]] {
  const text = search?.trim() ?? '';
  if (text === '') return ['', []];
  const clauses: string[] = [];
  const args: unknown[] = [];
  const digits = text.replace(/\D/g, '');
  if (digits.length > 0 && digits.length >= text.replace(/[\s+()\-.]/g, '').length) {
    clauses.push('n.phone_e164 LIKE ?');
    args.push(`%${digits}%`);
    if (digits.startsWith('0')) {
      // Typed as the roster writes it: 0812... is +62812... (docs/DOMAIN.md "Phone numbers").
      clauses.push('n.phone_e164 LIKE ?');
      args.push(`+62${digits.slice(1)}%`);
    }
  }
  if (namePath) {
    clauses.push("json_extract(n.variables, ?) LIKE ? ESCAPE '\\'");
    args.push(namePath, `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  if (clauses.length === 0) return ['AND 0', []];
  return [`AND (${clauses.join(' OR ')})`, args];
}

function validateName(raw: string): string {
  const name = raw.trim();
  const check = checkTaskName(name);
  if (check.ok) return name;
  if (check.problem === 'badCharacters') {
    throw new AppError('task.nameBadCharacters', {
      characters: check.badCharacters ?? '',
    });
  }
  if (check.problem === 'tooLong') throw new AppError('task.nameTooLong', { max: 60 });
  if (check.problem === 'empty') throw new AppError('task.nameEmpty');
  throw new AppError('task.nameBadSpaces');
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
