import type { CallOutcome, NumberOutcome, SmsDeliveryState, Task, TaskNumberRow, TaskNumberState, TaskStatus } from '../../shared/types.js';
import { smsErrorCode } from './storedErrors.js';

export interface TaskRow {
  id: number;
  name: string;
  recording_id: number;
  recording_name: string;
  roster_id: number | null;
  roster_name: string;
  status: TaskStatus;
  start_at: number;
  scheduled: number;
  started_at: number | null;
  started_late: number;
  finished_at: number | null;
  sms_disconnect_template_id: number | null;
  sms_unanswered_template_id: number | null;
  max_attempts: number;
  retry_interval_ms: number;
  window_start: string | null;
  window_end: string | null;
  dry_run: number;
  total: number;
  n_done: number;
  n_answered: number;
  n_unanswered: number;
  n_invalid: number;
  n_rejected: number;
  n_failed: number;
  n_uncertain: number;
  n_do_not_call: number;
  n_sms_sent: number;
  n_sms_failed: number;
  n_sms_delivered: number;
  n_sms_undelivered: number;
  n_sms_expired: number;
  created_at: number;
}

export function toTask(r: TaskRow): Task {
  return {
    id: r.id,
    name: r.name,
    recordingId: r.recording_id,
    recordingName: r.recording_name,
    rosterId: r.roster_id,
    rosterName: r.roster_name,
    status: r.status,
    startAt: r.start_at,
    scheduled: r.scheduled === 1,
    startedAt: r.started_at,
    startedLate: r.started_late === 1,
    finishedAt: r.finished_at,
    smsDisconnectTemplateId: r.sms_disconnect_template_id,
    smsUnansweredTemplateId: r.sms_unanswered_template_id,
    maxAttempts: r.max_attempts,
    retryIntervalMinutes: Math.round(r.retry_interval_ms / 60_000),
    callingWindow: r.window_start && r.window_end ? { start: r.window_start, end: r.window_end } : null,
    dryRun: r.dry_run === 1,
    total: r.total,
    counts: {
      done: r.n_done,
      answered: r.n_answered,
      unanswered: r.n_unanswered,
      invalid: r.n_invalid,
      rejected: r.n_rejected,
      failed: r.n_failed,
      uncertain: r.n_uncertain,
      doNotCall: r.n_do_not_call,
      smsSent: r.n_sms_sent,
      smsFailed: r.n_sms_failed,
      smsDelivered: r.n_sms_delivered,
      smsUndelivered: r.n_sms_undelivered,
      smsExpired: r.n_sms_expired,
    },
    smsDeliveryRate: deliveryRate(r),
    createdAt: r.created_at,
  };
}

/** Delivered over settled (delivered + undelivered + expired): see Task.smsDeliveryRate. */
export function deliveryRate(r: Pick<TaskRow, 'n_sms_delivered' | 'n_sms_undelivered' | 'n_sms_expired'>): number | null {
  const settled = r.n_sms_delivered + r.n_sms_undelivered + r.n_sms_expired;
  return settled === 0 ? null : r.n_sms_delivered / settled;
}

export interface TaskNumberJoinedRow {
  id: number;
  name: string | number | null;
  row_number: number;
  phone_e164: string;
  state: TaskNumberState;
  outcome: NumberOutcome | null;
  attempts: number;
  last_attempt_at: number | null;
  final_status: number | null;
  q850_cause: number | null;
  hung_up_by: 'callee' | 'system' | null;
  played_to_end: number | null;
  sms_kind: 'disconnect' | 'unanswered' | null;
  sms_state: string | null;
  sms_error: string | null;
  sms_error_code: string | null;
  sms_error_params: string | null;
  sms_delivery: SmsDeliveryState | null;
  sms_delivery_detail: string | null;
  sms_delivery_checked_at: number | null;
  dry_run: number;
}

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

export function toTaskNumber(r: TaskNumberJoinedRow): TaskNumberRow {
  return {
    id: r.id,
    rowNumber: r.row_number,
    phoneE164: r.phone_e164,
    name: r.name === null ? null : String(r.name),
    state: r.state,
    outcome: r.outcome,
    attempts: r.attempts,
    lastAttemptAt: r.last_attempt_at,
    finalStatus: r.final_status,
    q850Cause: r.q850_cause,
    hungUpBy: r.hung_up_by,
    playedToEnd: r.played_to_end === null ? null : r.played_to_end === 1,
    sms: r.sms_kind
      ? { kind: r.sms_kind, state: r.sms_state ?? '', error: r.sms_error, errorCode: smsErrorCode(r.sms_error_code, r.sms_error_params), delivery: r.sms_delivery }
      : null,
    dryRun: r.dry_run === 1,
  };
}
