import { taskNameSchema, taskRulesSchema, type TaskCreateFields, type TaskCreateRequest } from '../../shared/tasks/taskSchema.js';
import type { CallAttemptView, CallOutcome, Page, SipTraceEntry, Task, TaskRef, TaskNumberFilter, TaskNumberRow, TaskStatus } from '../../shared/types.js';
import { NUMBER_OUTCOMES } from '../../shared/types.js';
import { OPEN_NUMBER_STATES, TASK_TRANSITIONS, UNFINISHED_STATUSES, type TaskEvent, type TaskNumberState } from '../../shared/tasks/states.js';
import { missingVariables, rosterVariableColumns, templateSyntaxProblems } from '../../shared/sms/render.js';
import type { CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { applyRules } from '../rules.js';
import { TaskStore } from './taskStore.js';

/**
 * A new task as the service takes it: the contract's fields
 * (shared/tasks/taskSchema.ts), with the start already an instant
 * (omitted or null: run immediately; otherwise entered in WIB by the user).
 */
export type CreateTaskInput = Omit<TaskCreateRequest, 'start'> & { startAt?: TaskCreateFields['start'] };

/** Statuses in which a task still needs its recording, roster and templates. */
const UNFINISHED: readonly TaskStatus[] = UNFINISHED_STATUSES;

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
  private readonly store: TaskStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: { isDryRun: () => boolean; onChange?: (taskId: number) => void },
  ) {
    this.store = new TaskStore(ctx.db);
  }

  private changed(id: number): void {
    this.options.onChange?.(id);
    this.ctx.emit('task.changed', { taskId: id });
  }

  get(id: number): Task {
    const task = this.store.get(id);
    if (!task) throw new AppError('task.notFound', `Task ${id} does not exist. It may have been deleted.`, { id });
    return task;
  }

  list(page: number, pageSize: number, status?: TaskStatus): Page<Task> {
    return this.store.list(page, pageSize, status);
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
    if (!roster) throw new AppError('task.rosterMissing', 'The chosen roster no longer exists. Choose another roster.');
    if (roster.valid_count === 0) {
      // A campaign that silently dials nothing is a known complaint (docs/DOMAIN.md): refuse it up front.
      throw new AppError('task.rosterEmpty', `The roster "${roster.name}" has no usable numbers. Import a roster with valid phone numbers.`, { roster: roster.name });
    }
    const id = this.insert(plan, roster, (taskId, now) => this.store.copyRosterNumbers(taskId, roster.id, now));
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
  callAgain(sourceId: number, input: { name: string; outcomes: readonly CallOutcome[]; startAt?: number | null }): Task {
    const source = this.get(sourceId);
    const outcomes = [...new Set(input.outcomes)];
    if (outcomes.length === 0) {
      throw new AppError('task.callAgainNoOutcome', 'Choose at least one outcome (busy, no answer, powered off, failed) whose numbers to call again.');
    }
    // The copied numbers keep the source roster's columns, which its templates were checked against when it was created.
    const sourceRoster =
      source.rosterId === null
        ? undefined
        : (this.ctx.db.prepare('SELECT name, columns, phone_column FROM rosters WHERE id = ?').get(source.rosterId) as
            | { name: string; columns: string; phone_column: string }
            | undefined);
    const variables = sourceRoster
      ? { rosterName: sourceRoster.name, columns: rosterVariableColumns({ columns: JSON.parse(sourceRoster.columns) as string[], phoneColumn: sourceRoster.phone_column }) }
      : null;
    const plan = this.plan({
      name: input.name,
      recordingId: source.recordingId,
      rosterId: source.rosterId ?? 0,
      startAt: input.startAt ?? null,
      smsDisconnectTemplateId: source.smsDisconnectTemplateId,
      smsUnansweredTemplateId: source.smsUnansweredTemplateId,
      maxAttempts: source.maxAttempts,
      retryIntervalMinutes: source.retryIntervalMinutes,
      callingWindow: source.callingWindow,
    }, variables);
    const id = this.insert(plan, { id: source.rosterId, name: source.rosterName }, (taskId, now) => {
      const copied = this.store.copyNumbersWithOutcomes(taskId, sourceId, outcomes, now);
      // Thrown inside the transaction, so no empty task is left behind.
      if (copied === 0) {
        throw new AppError('task.callAgainNoNumbers', `No number of "${source.name}" ended with the chosen outcomes. Choose other outcomes.`, {
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
    // The rules the wizard and the contract check, again for callers that come straight here.
    const { name, maxAttempts, retryIntervalMinutes: retryMinutes, callingWindow: window } = applyRules(taskRulesSchema, input);
    this.checkNameFree(name, null);
    const now = clock.now();
    const scheduled = input.startAt != null;
    const startAt = input.startAt ?? now;
    if (scheduled && startAt <= now) {
      throw new AppError('task.startInPast', 'The scheduled start time has already passed. Choose a time in the future (WIB), or Run Immediately.');
    }

    const recording = db.prepare('SELECT id, name FROM recordings WHERE id = ?').get(input.recordingId) as { id: number; name: string } | undefined;
    if (!recording) throw new AppError('task.recordingMissing', 'The chosen recording no longer exists. Choose another recording.');
    const disconnect = input.smsDisconnectTemplateId ?? null;
    const unanswered = input.smsUnansweredTemplateId ?? null;
    if (disconnect !== null || unanswered !== null) {
      const account = db.prepare('SELECT active FROM sms_account WHERE id = 1').get() as { active: number } | undefined;
      if (!account || account.active !== 1) {
        throw new AppError('task.smsAccountInactive', 'SMS follow-ups need an active SMS account. Set one up in Settings, or turn the SMS options off.');
      }
      for (const templateId of [disconnect, unanswered]) {
        if (templateId === null) continue;
        const t = db.prepare('SELECT name, body, status FROM sms_templates WHERE id = ?').get(templateId) as { name: string; body: string; status: string } | undefined;
        if (!t || t.status !== 'approved') {
          throw new AppError('task.templateNotApproved', 'Only approved SMS templates can be used. Approve the template first, or choose another.');
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
      const taskId = this.store.insert(
        {
          name: plan.name,
          recordingId: plan.recording.id,
          recordingName: plan.recording.name,
          rosterId: roster.id,
          rosterName: roster.name,
          startAt: plan.startAt,
          scheduled: plan.scheduled,
          smsDisconnectTemplateId: plan.disconnect,
          smsUnansweredTemplateId: plan.unanswered,
          maxAttempts: plan.maxAttempts,
          retryIntervalMs: plan.maxAttempts > 1 ? Math.round(plan.retryMinutes * 60_000) : 0,
          callingWindow: plan.window,
          dryRun: this.options.isDryRun(),
        },
        now,
      );
      this.store.setTotal(taskId, copyNumbers(taskId, now));
      return taskId;
    })();
  }

  /**
   * Two tasks with one name cannot be told apart in the table, the exports
   * or the command line (issue 9): a name is refused while another task has
   * it, compared without regard to the case of English letters.
   */
  private checkNameFree(name: string, exceptId: number | null): void {
    const other = this.store.nameHolder(name, exceptId);
    if (other) {
      throw new AppError('task.nameTaken', `A task named "${other.name}" already exists. Choose another name, for example with the month or a number added.`, {
        name: other.name,
      });
    }
  }

  rename(id: number, newName: string): Task {
    const name = applyRules(taskNameSchema, newName);
    this.get(id);
    this.ctx.db.transaction(() => {
      this.checkNameFree(name, id);
      this.store.rename(id, name, this.ctx.clock.now());
    })();
    this.changed(id);
    return this.get(id);
  }

  /** Stops new calls at once; calls already connected finish (docs/DOMAIN.md). */
  pause(id: number): Task {
    return this.transition(id, 'pause', 'task.cannotPause', 'Only a running or scheduled task can be paused.');
  }

  resume(id: number): Task {
    // A paused task whose start time had not come yet goes back to waiting for it.
    const event: TaskEvent = this.get(id).startedAt === null ? 'resumeScheduled' : 'resume';
    return this.transition(id, event, 'task.cannotResume', 'Only a paused task can be resumed.');
  }

  cancel(id: number): Task {
    return this.transition(id, 'cancel', 'task.cannotCancel', 'This task has already ended.');
  }

  remove(id: number): void {
    const task = this.get(id);
    if (task.status === 'running') {
      throw new AppError('task.deleteRunning', 'A running task cannot be deleted. Pause or cancel it first.');
    }
    if (this.store.countDialing(id) > 0) {
      throw new AppError('task.deleteInFlight', 'Calls of this task are still connected. Wait until they end, then delete it.');
    }
    this.store.remove(id);
    this.changed(id);
  }

  /**
   * Numbers whose call was in flight when the app stopped are never called
   * again automatically; the user may choose to call them again.
   */
  retryUncertain(id: number): Task {
    if (this.get(id).status === 'cancelled') throw new AppError('task.cancelled', 'This task was cancelled; create a new task to call these numbers.');
    this.store.callUncertainAgain(id, this.ctx.clock.now());
    this.changed(id);
    return this.get(id);
  }

  /**
   * One page of the task's numbers, filtered by outcome and, when `search`
   * is given, by number (digits anywhere in it; a leading 0 is read as +62,
   * as rosters write Indonesian numbers) or by the customer's name.
   */
  numbers(id: number, filter: TaskNumberFilter, page: number, pageSize: number, search?: string, nameColumn: string | null = null): Page<TaskNumberRow> {
    this.get(id);
    const [where, args] = numberFilter(filter);
    const namePath = nameColumn !== null && !nameColumn.includes('"') ? `$."${nameColumn}"` : null;
    const [searchWhere, searchArgs] = numberSearch(search, namePath);
    return this.store.numbers(
      id,
      { where: `${where} ${searchWhere}`, args: [...args, ...searchArgs], nameExpr: namePath ? 'json_extract(n.variables, ?)' : 'NULL', nameArgs: namePath ? [namePath] : [] },
      page,
      pageSize,
    );
  }

  /** Every attempt of one number, oldest first, for the detail view. */
  attempts(numberId: number): CallAttemptView[] {
    const attempts = this.store.attempts(numberId);
    if (attempts.length === 0 && !this.store.numberExists(numberId)) {
      throw new AppError('task.numberNotFound', `Number ${numberId} is not in any task; it may have been deleted with its task.`);
    }
    return attempts;
  }

  /** The SIP messages of one attempt (masked when they were recorded); empty for dry-run attempts. */
  attemptTrace(attemptId: number): SipTraceEntry[] {
    const trace = this.store.trace(attemptId);
    if (trace) return trace;
    if (!this.store.attemptExists(attemptId)) {
      throw new AppError('task.attemptNotFound', `Call attempt ${attemptId} does not exist; it may have been deleted with its task.`);
    }
    return [];
  }

  /** The unfinished tasks that use a recording, roster or template, oldest first (deletion is refused while there are any). */
  usersOf(kind: 'recording' | 'roster' | 'template', id: number): TaskRef[] {
    return this.store.usersOf(kind, id);
  }

  /** Whether an unfinished task uses it: recordings, rosters and templates refuse deletion then. */
  usesRecording(recordingId: number): boolean {
    return this.store.isUsed('recording', recordingId);
  }

  usesRoster(rosterId: number): boolean {
    return this.store.isUsed('roster', rosterId);
  }

  usesTemplate(templateId: number): boolean {
    return this.store.isUsed('template', templateId);
  }

  /** A user's change of status (TASK_TRANSITIONS); refused with `code` when the task is in a status it does not start from. */
  private transition(id: number, event: TaskEvent, code: string, message: string): Task {
    if (!this.store.transition(id, event, this.ctx.clock.now())) {
      const { status } = this.get(id);
      throw new AppError(code, `${message} This task is ${status}.`, { status });
    }
    this.ctx.log.info('task status', { id, to: TASK_TRANSITIONS[event].to });
    this.changed(id);
    return this.get(id);
  }
}

export function numberFilter(filter: TaskNumberFilter): [string, unknown[]] {
  if (filter === 'all') return ['', []];
  if (filter === 'pending') return [`AND n.state IN (${OPEN_NUMBER_STATES.map(() => '?').join(', ')})`, [...OPEN_NUMBER_STATES]];
  if (filter === 'uncertain') return ['AND n.state = ?', ['uncertain' satisfies TaskNumberState]];
  if ((NUMBER_OUTCOMES as readonly string[]).includes(filter)) return ['AND n.state = ? AND n.outcome = ?', ['done' satisfies TaskNumberState, filter]];
  throw new AppError('task.badFilter', `Unknown filter ${filter}.`);
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
    throw new AppError(
      'task.templateSyntax',
      `The SMS template "${template.name}" has a brace that is not a {variable} ("${syntax.excerpt}"). Fix the template in SMS Templates (it then needs approval again), or choose another.`,
      { template: template.name, excerpt: syntax.excerpt },
    );
  }
  const missing = missingVariables(template.body, columns);
  if (missing.length === 0) return;
  const names = missing.map((m) => `{${m}}`).join(', ');
  const available = [...columns, 'phone'].map((c) => `{${c}}`).join(', ');
  throw new AppError(
    'task.templateVariablesMissing',
    `The SMS template "${template.name}" uses ${names}, but the roster "${rosterName}" has no such column. Its columns are ${available}. Choose another roster or template, or fix the template.`,
    { template: template.name, roster: rosterName, missing: names, columns: available },
  );
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

export { UNFINISHED };
