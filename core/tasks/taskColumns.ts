import type { CallAttemptView, CallOutcome, CallReport, HungUpBy, NumberOutcome, SmsDeliveryState, Task, TaskCounts, TaskNumberRow } from '../../shared/types.js';
import type { CallAttemptState, TaskNumberState, TaskStatus } from '../../shared/tasks/states.js';
import { computed, flag, int, nested, nullableFlag, nullableInt, nullableOneOf, nullableText, oneOf, rowMapper, text, type Fields, type Row } from '../db/rows.js';
import { attemptErrorCodes, smsErrorCode } from './storedErrors.js';

/** The task counters, kept in the same transactions as the rows they count. */
const TASK_COUNTS = rowMapper<TaskCounts>({
  done: int('n_done'),
  answered: int('n_answered'),
  unanswered: int('n_unanswered'),
  invalid: int('n_invalid'),
  rejected: int('n_rejected'),
  failed: int('n_failed'),
  uncertain: int('n_uncertain'),
  doNotCall: int('n_do_not_call'),
  smsSent: int('n_sms_sent'),
  smsFailed: int('n_sms_failed'),
  smsDelivered: int('n_sms_delivered'),
  smsUndelivered: int('n_sms_undelivered'),
  smsExpired: int('n_sms_expired'),
});

/** The calling window (WIB, HH:mm), or null when the task calls at any time. */
const callingWindow = computed(['window_start', 'window_end'], (r) =>
  r.window_start && r.window_end ? { start: r.window_start as string, end: r.window_end as string } : null,
);

/** Delivered over settled (delivered + undelivered + expired): see Task.smsDeliveryRate. */
const smsDeliveryRate = computed(['n_sms_delivered', 'n_sms_undelivered', 'n_sms_expired'], (r) => {
  const delivered = r.n_sms_delivered as number;
  const settled = delivered + (r.n_sms_undelivered as number) + (r.n_sms_expired as number);
  return settled === 0 ? null : delivered / settled;
});

/** A row of `tasks`. */
export const TASK = rowMapper<Task>({
  id: int('id'),
  name: text('name'),
  recordingId: int('recording_id'),
  recordingName: text('recording_name'),
  rosterId: nullableInt('roster_id'),
  rosterName: text('roster_name'),
  status: oneOf<TaskStatus>('status'),
  startAt: int('start_at'),
  scheduled: flag('scheduled'),
  startedAt: nullableInt('started_at'),
  startedLate: flag('started_late'),
  finishedAt: nullableInt('finished_at'),
  smsDisconnectTemplateId: nullableInt('sms_disconnect_template_id'),
  smsUnansweredTemplateId: nullableInt('sms_unanswered_template_id'),
  maxAttempts: int('max_attempts'),
  retryIntervalMinutes: computed(['retry_interval_ms'], (r) => Math.round((r.retry_interval_ms as number) / 60_000)),
  callingWindow,
  dryRun: flag('dry_run'),
  total: int('total'),
  counts: nested(TASK_COUNTS),
  smsDeliveryRate,
  createdAt: int('created_at'),
});

/** What the engine needs of a running task to dial its numbers. */
export interface DialingTask {
  id: number;
  recordingId: number;
  maxAttempts: number;
  retryIntervalMs: number;
  callingWindow: { start: string; end: string } | null;
  dryRun: boolean;
}

export const DIALING_TASK = rowMapper<DialingTask>({
  id: int('id'),
  recordingId: int('recording_id'),
  maxAttempts: int('max_attempts'),
  retryIntervalMs: int('retry_interval_ms'),
  callingWindow,
  dryRun: flag('dry_run'),
});

/** A call's result, one column per field (its problems go to `error` and `error_codes`: storedErrors.ts). */
const CALL_REPORT_FIELDS = {
  outcome: oneOf<CallOutcome>('outcome'),
  hungUpBy: nullableOneOf<HungUpBy>('hung_up_by'),
  finalStatus: nullableInt('final_status'),
  q850Cause: nullableInt('q850_cause'),
  ringMs: nullableInt('ring_ms'),
  answeredMs: nullableInt('answered_ms'),
  playedMs: nullableInt('played_ms'),
  playedToEnd: nullableFlag('played_to_end'),
  dtmf: text('dtmf'),
} satisfies Fields<Omit<CallReport, 'errors'>>;

export const CALL_REPORT = rowMapper<Omit<CallReport, 'errors'>>(CALL_REPORT_FIELDS);

/** A row of `call_attempts` with `has_trace` (1 when call_traces holds its SIP messages); its result columns are null while in flight. */
export const CALL_ATTEMPT = rowMapper<CallAttemptView>({
  ...CALL_REPORT_FIELDS,
  id: int('id'),
  attemptNo: int('attempt_no'),
  state: oneOf<CallAttemptState>('state'),
  error: nullableText('error'),
  errorCodes: computed(['error_codes'], (r) => attemptErrorCodes(r.error_codes as string | null)),
  dryRun: flag('dry_run'),
  startedAt: int('started_at'),
  endedAt: nullableInt('ended_at'),
  hasTrace: flag('has_trace'),
});

/**
 * The detail view's row: the number, its final (or current) state and its
 * last attempt; `nameExpr` is the customer's name (a json_extract of the
 * roster's name column, or NULL).
 */
export function taskNumberSelect(nameExpr: string): string {
  return `
  SELECT ${nameExpr} AS name, n.id, n.row_number, n.phone_e164, n.state, n.outcome, n.attempts,
         a.started_at AS last_attempt_at, a.final_status, a.q850_cause, a.hung_up_by, a.played_to_end,
         s.kind AS sms_kind, s.state AS sms_state, s.error AS sms_error,
         s.error_code AS sms_error_code, s.error_params AS sms_error_params,
         s.delivery_state AS sms_delivery, s.delivery_detail AS sms_delivery_detail, s.delivery_checked_at AS sms_delivery_checked_at, t.dry_run
  FROM task_numbers n
  JOIN tasks t ON t.id = n.task_id
  LEFT JOIN call_attempts a ON a.task_number_id = n.id AND a.attempt_no = n.attempts
  LEFT JOIN sms_outbox s ON s.task_number_id = n.id`;
}

export const TASK_NUMBER_SELECT = taskNumberSelect('NULL');

/** A row of taskNumberSelect. */
export const TASK_NUMBER = rowMapper<TaskNumberRow>({
  id: int('id'),
  rowNumber: int('row_number'),
  phoneE164: text('phone_e164'),
  name: computed(['name'], (r) => (r.name === null || r.name === undefined ? null : String(r.name as string | number))),
  state: oneOf<TaskNumberState>('state'),
  outcome: nullableOneOf<NumberOutcome>('outcome'),
  attempts: int('attempts'),
  lastAttemptAt: nullableInt('last_attempt_at'),
  finalStatus: nullableInt('final_status'),
  q850Cause: nullableInt('q850_cause'),
  hungUpBy: nullableOneOf<HungUpBy>('hung_up_by'),
  playedToEnd: nullableFlag('played_to_end'),
  sms: computed(['sms_kind', 'sms_state', 'sms_error', 'sms_error_code', 'sms_error_params', 'sms_delivery'], smsOf),
  dryRun: flag('dry_run'),
});

function smsOf(r: Row): TaskNumberRow['sms'] {
  if (!r.sms_kind) return null;
  return {
    kind: r.sms_kind as 'disconnect' | 'unanswered',
    state: (r.sms_state as string | null) ?? '',
    error: r.sms_error as string | null,
    errorCode: smsErrorCode(r.sms_error_code as string | null, r.sms_error_params as string | null),
    delivery: r.sms_delivery as SmsDeliveryState | null,
  };
}
