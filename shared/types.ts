/** Domain records as they cross the contract. Times are epoch milliseconds; the UI shows them in WIB. */
import type { AppErrorShape } from './result.js';
import type { SipTraceEntry } from './telephony/callResult.js';
import type { CallAttemptState, TaskNumberState, TaskStatus } from './tasks/states.js';

export type { SipTraceEntry, CallResult, TestCallResult } from './telephony/callResult.js';

export interface Page<T> {
  items: T[];
  total: number;
  page: number; // 1-based
  pageSize: number;
}

export interface Recording {
  id: number;
  name: string;
  originalFileName: string;
  sizeBytes: number;
  durationMs: number;
  createdAt: number;
  /** Used by a task that is not finished: rename is allowed, delete is not. */
  inUse: boolean;
}

export type RosterStatus = 'staged' | 'ready';

export interface Roster {
  id: number;
  name: string;
  sourceFileName: string;
  phoneColumn: string;
  columns: string[];
  status: RosterStatus;
  totalRows: number;
  validCount: number;
  duplicateCount: number;
  invalidCount: number;
  createdAt: number;
  inUse: boolean;
}

export interface RosterEntry {
  rowNumber: number;
  phoneE164: string;
  phoneRaw: string;
  variables: Record<string, string>;
}

export type RosterIssueKind = 'invalid' | 'duplicate';

export interface RosterIssue {
  rowNumber: number;
  phoneRaw: string;
  kind: RosterIssueKind;
  /** A stable code the UI translates: 'empty', 'tooShort', 'tooLong', 'notANumber', 'invalidForRegion', 'duplicate'. */
  reason: string;
  /** For a duplicate: the row whose number it repeats (the one kept). */
  duplicateOfRow?: number;
}

/** What roster.analyze answers: either it needs the user to pick the phone column, or a staged import to confirm. */
export type RosterAnalysis =
  | { kind: 'needsPhoneColumn'; headers: string[] }
  | { kind: 'staged'; roster: Roster; sample: RosterEntry[]; issues: RosterIssue[] };

export interface RosterImportProgress {
  fileName: string;
  bytesRead: number;
  totalBytes: number;
  rowsRead: number;
}

export interface RecordingProgress {
  fileName: string;
  stage: 'checking' | 'decoding' | 'encoding' | 'saving';
  fraction: number; // 0..1
}

export type SmsTemplateStatus = 'pending' | 'approved' | 'rejected';

export interface SmsTemplate {
  id: number;
  name: string;
  body: string;
  status: SmsTemplateStatus;
  rejectionReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export type SmsProvider = 'twilio' | 'vonage' | 'infobip' | 'zenziva' | 'generic';

export interface SmsAccountView {
  provider: SmsProvider;
  active: boolean;
  /** Non-secret settings (base URL, sender, account SID, ...). */
  config: Record<string, string>;
  /** Which secret fields have a stored value; the values never leave the main process. */
  secretsSet: Record<string, boolean>;
  updatedAt: number;
}

export interface SmsSendResult {
  /** Always true: a provider's refusal is thrown as an AppError (core/sms/providers/types.ts), never answered. */
  accepted: true;
  providerMessageId: string | null;
  httpStatus: number | null;
  /** The provider's answer, shortened, for the user to read. */
  providerAnswer: string;
  attempts: number;
}

export interface AppInfo {
  version: string;
  dataDir: string;
  locale: string;
  /** False until the user picks a language: the renderer then follows the system's (navigator.languages). */
  localeChosen: boolean;
  /** 'system' follows the operating system's light or dark mode. */
  theme: 'system' | 'light' | 'dark';
  /** Start the desktop app when the user logs in (it then waits in the tray). */
  startAtLogin: boolean;
  /** 'electron' in the desktop app, 'bridge' in end-to-end tests, 'cli' in the command line. */
  host: 'electron' | 'bridge' | 'cli';
}

/** docs/DOMAIN.md's outcome table: the final classification of one call attempt. */
export const OUTCOMES = ['answered', 'busy', 'noAnswer', 'poweredOff', 'invalidNumber', 'rejected', 'failed'] as const;
export type CallOutcome = (typeof OUTCOMES)[number];

/**
 * How a number of a task ended: a call's outcome, or 'doNotCall' when the
 * number was on the do-not-call list when its turn came and was never dialled
 * (docs/DOMAIN.md "Do-not-call list"). Never the outcome of a call attempt.
 */
export const NUMBER_OUTCOMES = [...OUTCOMES, 'doNotCall'] as const;
export type NumberOutcome = (typeof NUMBER_OUTCOMES)[number];

export type { TaskStatus, TaskNumberState, CallAttemptState } from './tasks/states.js';

export interface TaskCounts {
  done: number;
  answered: number;
  unanswered: number; // busy, no answer, powered off
  invalid: number;
  rejected: number;
  failed: number;
  uncertain: number;
  /** Numbers skipped because they were on the do-not-call list (counted in `done` too, apart from the outcomes). */
  doNotCall: number;
  smsSent: number;
  smsFailed: number;
  /** Of the SMS sent: the provider reported them delivered / not delivered, or no final report came within 48 h. */
  smsDelivered: number;
  smsUndelivered: number;
  smsExpired: number;
}

export interface Task {
  id: number;
  name: string;
  recordingId: number;
  recordingName: string;
  rosterId: number | null;
  rosterName: string;
  status: TaskStatus;
  startAt: number;
  scheduled: boolean;
  startedAt: number | null;
  startedLate: boolean;
  finishedAt: number | null;
  smsDisconnectTemplateId: number | null;
  smsUnansweredTemplateId: number | null;
  maxAttempts: number;
  retryIntervalMinutes: number;
  callingWindow: { start: string; end: string } | null;
  dryRun: boolean;
  total: number;
  counts: TaskCounts;
  /**
   * Delivered SMS as a share (0..1) of those whose delivery is settled
   * (delivered + undelivered + expired); null until one is. SMS whose
   * provider has no status look-up are not counted either way.
   */
  smsDeliveryRate: number | null;
  createdAt: number;
}

/**
 * The stable code and params of an error the core stored with a row (a
 * failed SMS, a call attempt's problems), for the renderer to translate as
 * `errors.<code>`; the English sentence is stored beside it.
 */
export interface CodedError {
  code: string;
  params: Record<string, string | number>;
}

export interface TaskNumberRow {
  id: number;
  rowNumber: number;
  phoneE164: string;
  /** The customer's name from the roster's name column (TaskStats.nameColumn), when it has one. */
  name: string | null;
  state: TaskNumberState;
  outcome: NumberOutcome | null;
  attempts: number;
  lastAttemptAt: number | null;
  finalStatus: number | null;
  q850Cause: number | null;
  hungUpBy: HungUpBy | null;
  playedToEnd: boolean | null;
  /** `error` is the core's English sentence; `errorCode` its code and params to translate (null on rows stored before codes were). */
  sms: {
    kind: 'disconnect' | 'unanswered';
    state: string;
    error: string | null;
    errorCode: CodedError | null;
    /** Whether the provider delivered it (null until the provider accepted it). */
    delivery: SmsDeliveryState | null;
  } | null;
  dryRun: boolean;
}

/**
 * An accepted SMS's delivery: 'pending' while the app asks the provider,
 * then 'delivered' or 'undelivered' as the provider reports, or 'expired'
 * when no final report came within 48 h; 'untracked' when the provider's API
 * has no status look-up (or for a dry run, which reaches no provider).
 */
export const SMS_DELIVERY_STATES = ['pending', 'delivered', 'undelivered', 'expired', 'untracked'] as const;
export type SmsDeliveryState = (typeof SMS_DELIVERY_STATES)[number];

/** One SMS of a task with its delivery, for the task page's delivery list. */
export interface SmsDeliveryRow {
  /** sms_outbox id. */
  id: number;
  rowNumber: number;
  phoneE164: string;
  kind: 'disconnect' | 'unanswered';
  state: 'queued' | 'sending' | 'sent' | 'failed' | 'uncertain';
  delivery: SmsDeliveryState | null;
  /** The provider's own words for the state ("delivered", "UNDELIVERABLE_NOT_DELIVERED"). */
  deliveryDetail: string | null;
  sentAt: number | null;
  deliveryCheckedAt: number | null;
  dryRun: boolean;
}

export type SmsDeliveryFilter = 'all' | SmsDeliveryState;

/**
 * An SMS left 'uncertain' by a crash: it may or may not have reached the
 * provider. It is never sent again automatically; the user may choose to,
 * knowing the customer may receive it twice.
 */
export interface UncertainSms {
  /** sms_outbox id. */
  id: number;
  rowNumber: number;
  phoneE164: string;
  kind: 'disconnect' | 'unanswered';
  text: string;
  /** When the interrupted send started. */
  updatedAt: number;
  dryRun: boolean;
}

export type TaskNumberFilter = 'all' | NumberOutcome | 'pending' | 'uncertain';

export interface ExportResult {
  path: string;
  rows: number;
}

export interface EngineStatus {
  /** This process holds the dialing lease (only one process dials per data folder). */
  dialing: boolean;
  /** Who dials when it is not us (host:pid), for the notice "another AutoCall process is dialing". */
  otherHolder: string | null;
  activeCalls: number;
  gateway: 'dryRun' | 'sip';
  /** The SIP gateway's state: while it is not 'ready' no calls are placed and numbers wait. */
  gatewayState: 'dryRun' | 'starting' | 'ready' | 'unreachable' | 'stopped';
  /** Why the SIP gateway is not ready, as a code to translate (`errors.<code>`) with its English sentence; null while it is ready. */
  gatewayError: AppErrorShape | null;
  /** Running tasks made for the SIP gateway while it is not ready or not selected: they wait. */
  tasksWaitingForGateway: number;
}

/** Who ended an answered call: the callee's BYE, or ours (recording played, session over, cancelled). */
export type HungUpBy = 'callee' | 'system';

/**
 * One call's result as a task keeps it: one row of call_attempts, with one
 * column per field (core/tasks/taskColumns.ts maps it both ways). The
 * telephony's CallResult is this plus its timestamps and trace.
 */
export interface CallReport {
  outcome: CallOutcome;
  hungUpBy: HungUpBy | null;
  finalStatus: number | null;
  q850Cause: number | null;
  ringMs: number | null;
  answeredMs: number | null;
  playedMs: number | null;
  /** Null when the call was not answered. */
  playedToEnd: boolean | null;
  dtmf: string;
  /** What went wrong on the way, in order (stored as `error` and `error_codes`). */
  errors: AppErrorShape[];
}

/** A column of a row that may not be written yet (an attempt in flight has no result). */
type Unwritten<T> = { [K in keyof T]: T[K] | null };

/** One call attempt of a number, for the task detail view: its result (null while in flight) and its state. */
export interface CallAttemptView extends Unwritten<Omit<CallReport, 'errors'>> {
  id: number;
  attemptNo: number;
  state: CallAttemptState;
  /** Every problem of the attempt as one English sentence. */
  error: string | null;
  /** The same problems, in order, as codes and params; null when none, or when stored before codes were. */
  errorCodes: CodedError[] | null;
  dryRun: boolean;
  startedAt: number;
  endedAt: number | null;
  hasTrace: boolean;
}

/** Settings > Gateway > "Test gateway": OPTIONS, and REGISTER where configured. */
export interface GatewayTestView {
  reachable: boolean;
  status: number | null;
  registered?: boolean;
  /** Why OPTIONS or REGISTER failed, as a code to translate with its English sentence (the same codes a call's problems have). */
  error?: AppErrorShape;
  trace: SipTraceEntry[];
}

/** Settings > Gateway. The password is a secret: only whether it is set crosses the contract. */
export interface GatewaySettings {
  /** 'dryRun' places no real calls (for trying the flow); 'sip' uses the office's gateway. */
  mode: 'dryRun' | 'sip';
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  username: string;
  /** Digest user when it differs from the From user. */
  authUsername: string;
  callerIdUser: string;
  callerIdName: string;
  outboundProxy: string; // "host:port" or empty
  localAddress: string; // the address the gateway can reach us at, empty = automatic
  codecs: ('PCMA' | 'PCMU')[];
  /** How numbers are written in the Request-URI: +62812..., 62812..., or 0812... (GSM gateways often want national). */
  numberFormat: 'e164' | 'e164NoPlus' | 'national';
  register: boolean;
  channels: number;
  callsPerSecond: number;
  ringTimeoutSeconds: number;
  /** How many times the recording plays before the app hangs up. */
  playTimes: number;
  rtpPortMin: number;
  rtpPortMax: number;
  /** Milliseconds of silence sent after the recording before hanging up, so the callee's phone plays the end (0-2000). */
  playoutTailMs: number;
}

export interface GatewayView extends GatewaySettings {
  passwordSet: boolean;
}

// --- The supervisor's view: dashboard, task statistics, call again (issue 9) ---

/** Counts by every outcome of OUTCOMES (shared/tasks/outcomeGroups.ts). */
export type OutcomeCountsView = Record<CallOutcome, number>;

/** Calls ended per time bucket, by outcome, oldest bucket first. */
export interface CallsOverTime {
  /** Start of the first bucket (epoch ms). */
  start: number;
  bucketMs: number;
  buckets: OutcomeCountsView[];
}

export interface RunningTaskSummary {
  id: number;
  name: string;
  done: number;
  total: number;
  answered: number;
  dryRun: boolean;
  /** Calls of this task connected now (in this process). */
  activeCalls: number;
}

/** The Scheduler's dashboard: what is happening now and today (the WIB day). */
export interface DashboardView {
  at: number;
  /** Midnight WIB that began today. */
  dayStart: number;
  runningTasks: RunningTaskSummary[];
  scheduledTasks: number;
  pausedTasks: number;
  activeCalls: number;
  /** The selected gateway's channels (Settings > Gateway, or the dry run's). */
  channelLimit: number;
  /** Call attempts that ended in the last 60 seconds. */
  callsPerMinute: number;
  /** Call attempts ended today, by outcome. */
  today: OutcomeCountsView;
  todayAnswerRate: number | null;
  smsSentToday: number;
  smsFailedToday: number;
  engine: EngineStatus;
  /** The last 60 minutes, one bucket a minute. */
  lastHour: CallsOverTime;
}

/** Why a task has no estimated finish time, or 'estimated' when it has one. */
export type FinishEstimateKind = 'estimated' | 'finished' | 'paused' | 'noCallsYet' | 'waitingForStart';

/** The task page's figures, computed from the store with SQL when asked. */
export interface TaskStats {
  taskId: number;
  at: number;
  /** Final outcomes of the numbers done. */
  byOutcome: OutcomeCountsView;
  answerRate: number | null;
  /** Numbers not finished yet: not called, being called, waiting to retry. */
  remaining: number;
  /** SMS of the task by state (queued, sending, sent, failed, uncertain, ...). */
  smsByState: Record<string, number>;
  attempts: number;
  /** Average length of the task's recent call attempts (ringing included). */
  averageAttemptMs: number | null;
  channelsInUse: number;
  /** From the start to the finish, or to now while it goes on; null before it starts. */
  elapsedMs: number | null;
  estimate: FinishEstimateKind;
  estimatedFinishAt: number | null;
  callsOverTime: CallsOverTime;
  /** The roster column holding the customer's name, when one looks like it ("Nama", "Name", "姓名"). */
  nameColumn: string | null;
}

/** One number of the do-not-call list. */
export interface DoNotCallEntry {
  id: number;
  phoneE164: string;
  /** As it was typed or read from the file. */
  phoneRaw: string;
  note: string;
  /** 'manual', or the name of the file it was imported from. */
  source: string;
  createdAt: number;
}

/** A row of an imported do-not-call file that could not be used. */
export interface DoNotCallImportIssue {
  rowNumber: number;
  phoneRaw: string;
  /** The phone rejection code, as for roster issues ('empty', 'tooShort', ...). */
  reason: string;
}

export type DoNotCallImportResult =
  | { kind: 'needsPhoneColumn'; headers: string[] }
  | {
      kind: 'imported';
      fileName: string;
      phoneColumn: string;
      totalRows: number;
      added: number;
      alreadyListed: number;
      invalidCount: number;
      /** The first unusable rows (at most 100), by row number. */
      invalid: DoNotCallImportIssue[];
    };

/** An unfinished task, named where a recording, roster or template cannot be deleted because of it. */
export interface TaskRef {
  id: number;
  name: string;
}

/** A usable roster number worth a warning in the import preview. */
export interface RosterFlag {
  rowNumber: number;
  phoneE164: string;
  /** 'landline': a fixed line, which cannot receive SMS; 'foreign': outside Indonesia. */
  kind: 'landline' | 'foreign';
  /** ISO 3166 region of the number, when known (ID for landlines). */
  country: string | null;
}

export interface RosterFlags {
  landlineCount: number;
  foreignCount: number;
  /** The first flagged rows (at most 100), by row number. */
  items: RosterFlag[];
}

/** The wizard's test SMS: what was sent, and whether it only was simulated (dry run). */
export interface SmsTestView {
  dryRun: boolean;
  to: string;
  text: string;
  result: SmsSendResult;
}
