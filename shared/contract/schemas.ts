import { z } from 'zod';
import type {
  AppInfo,
  Page,
  Recording,
  RecordingProgress,
  Roster,
  RosterAnalysis,
  RosterEntry,
  RosterImportProgress,
  RosterIssue,
  SmsAccountView,
  SmsSendResult,
  SmsTemplate,
  Task,
  TaskNumberRow,
  EngineStatus,
  ExportResult,
  GatewayView,
  CallAttemptView,
  TestCallResult,
  GatewayTestView,
  SipTraceEntry,
  SmsDeliveryRow,
  UncertainSms,
  DashboardView,
  TaskStats,
  DoNotCallEntry,
  DoNotCallImportResult,
  RosterFlags,
  SmsTestView,
  TaskRef,
} from '../types.js';
import { templateCreateSchema, templateUpdateSchema } from '../sms/templateSchema.js';
import { callAgainSchema, taskCreateSchema, taskRenameSchema } from '../tasks/taskSchema.js';
import { TASK_STATUSES } from '../tasks/states.js';
import { gatewaySettingsSchema } from '../gatewaySchema.js';
import { recordingNameSchema } from '../recordings/recordingSchema.js';
import { NUMBER_OUTCOMES, SMS_DELIVERY_STATES } from '../types.js';
import { safeText } from '../validation/text.js';
import type { EventName, OperationName } from './operations.js';

/** A phantom marker carrying the response type of an operation. */
function answers<T>(): T {
  return undefined as T;
}

const id = z.number().int().positive();
const none = z.object({}).strict();
/** A name a user gives (docs/DOMAIN.md, "Text the app keeps"): no control or bidi characters, whoever sends it. */
const nameOf = (field: string) => safeText(z.string().trim().min(1).max(200), field);
const filePath = z.string().min(1).max(4096);
const paging = { page: z.number().int().min(1).default(1), pageSize: z.number().int().min(1).max(500).default(50) };

export const LOCALES = ['en', 'id', 'zh'] as const;
export const THEMES = ['system', 'light', 'dark'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * The contract: for each operation, the schema main validates the input
 * with, and the type it answers. The preload, the test bridge and the
 * command line all go through it.
 */
export const CONTRACT = {
  'app.info': { input: none, output: answers<AppInfo>() },
  'settings.setLocale': { input: z.object({ locale: z.enum(LOCALES) }).strict(), output: answers<void>() },
  'settings.setStartAtLogin': { input: z.object({ enabled: z.boolean() }).strict(), output: answers<void>() },

  'recording.add': { input: z.object({ path: filePath, name: recordingNameSchema.optional() }).strict(), output: answers<Recording>() },
  'recording.list': { input: none, output: answers<Recording[]>() },
  'recording.rename': { input: z.object({ id, name: recordingNameSchema }).strict(), output: answers<Recording>() },
  'recording.remove': { input: z.object({ id }).strict(), output: answers<void>() },
  'recording.audio': { input: z.object({ id }).strict(), output: answers<{ mime: string; data: Uint8Array }>() },

  'roster.analyze': {
    input: z.object({ path: filePath, name: nameOf('roster name').optional(), phoneColumn: z.string().min(1).max(200).optional() }).strict(),
    output: answers<RosterAnalysis>(),
  },
  'roster.confirm': { input: z.object({ id }).strict(), output: answers<Roster>() },
  'roster.discard': { input: z.object({ id }).strict(), output: answers<void>() },
  'roster.list': { input: none, output: answers<Roster[]>() },
  'roster.get': { input: z.object({ id }).strict(), output: answers<Roster>() },
  'roster.entries': { input: z.object({ id, ...paging }).strict(), output: answers<Page<RosterEntry>>() },
  'roster.issues': { input: z.object({ id, ...paging }).strict(), output: answers<Page<RosterIssue>>() },
  'roster.remove': { input: z.object({ id }).strict(), output: answers<void>() },

  'template.list': { input: none, output: answers<SmsTemplate[]>() },
  // The template rules live in shared/sms/templateSchema.ts, which the template dialog and SmsTemplateService use too.
  'template.create': { input: templateCreateSchema, output: answers<SmsTemplate>() },
  'template.update': { input: templateUpdateSchema, output: answers<SmsTemplate>() },
  'template.approve': { input: z.object({ id }).strict(), output: answers<SmsTemplate>() },
  'template.reject': { input: z.object({ id, reason: safeText(z.string().trim().min(1).max(500), 'reason') }).strict(), output: answers<SmsTemplate>() },
  'template.remove': { input: z.object({ id }).strict(), output: answers<void>() },

  'smsAccount.get': { input: none, output: answers<SmsAccountView | null>() },
  'smsAccount.save': {
    input: z
      .object({
        provider: z.enum(['twilio', 'vonage', 'infobip', 'zenziva', 'generic']),
        active: z.boolean(),
        config: z.record(z.string().max(64), z.string().max(4000)),
        // A secret left out keeps its stored value; an empty string clears it.
        secrets: z.record(z.string().max(64), z.string().max(4000)),
      })
      .strict(),
    output: answers<SmsAccountView>(),
  },
  'smsAccount.test': {
    input: z.object({ to: z.string().min(3).max(40), text: z.string().min(1).max(1000).optional() }).strict(),
    output: answers<SmsSendResult>(),
  },

  // The task rules live in shared/tasks/taskSchema.ts, which the wizard and TaskService use too.
  'task.create': { input: taskCreateSchema, output: answers<Task>() },
  'task.list': {
    input: z.object({ ...paging, status: z.enum(TASK_STATUSES).optional() }).strict(),
    output: answers<Page<Task>>(),
  },
  'task.get': { input: z.object({ id }).strict(), output: answers<Task>() },
  'task.rename': { input: taskRenameSchema, output: answers<Task>() },
  'task.pause': { input: z.object({ id }).strict(), output: answers<Task>() },
  'task.resume': { input: z.object({ id }).strict(), output: answers<Task>() },
  'task.cancel': { input: z.object({ id }).strict(), output: answers<Task>() },
  'task.remove': { input: z.object({ id }).strict(), output: answers<void>() },
  'task.retryUncertain': { input: z.object({ id }).strict(), output: answers<Task>() },
  /** Each number's SMS carries its failure as the core's sentence and, where stored, its code and params to translate. */
  'task.numbers': {
    input: z
      .object({
        id,
        filter: z.enum(['all', 'pending', 'uncertain', ...NUMBER_OUTCOMES]).default('all'),
        // Digits of the number (0812... is read as +62812...) or part of the customer's name.
        search: z.string().trim().max(60).optional(),
        ...paging,
      })
      .strict(),
    output: answers<Page<TaskNumberRow>>(),
  },
  'task.export': {
    input: z.object({ id, format: z.enum(['csv', 'xlsx']) }).strict(),
    output: answers<ExportResult | null>(),
  },
  /** Each attempt's problems as one sentence and, where stored, as codes and params in the same order. */
  'task.attempts': { input: z.object({ numberId: id }).strict(), output: answers<CallAttemptView[]>() },
  'task.attemptTrace': { input: z.object({ attemptId: id }).strict(), output: answers<SipTraceEntry[]>() },
  'engine.status': { input: none, output: answers<EngineStatus>() },
  'gateway.get': { input: none, output: answers<GatewayView>() },
  'gateway.save': {
    input: z.object({ settings: gatewaySettingsSchema, password: z.string().max(256).optional() }).strict(),
    output: answers<GatewayView>(),
  },
  /** Tests the saved settings (save first). */
  'gateway.test': { input: none, output: answers<GatewayTestView>() },
  /** One real call with the saved settings, outside any task: the full result and its SIP trace. */
  'gateway.testCall': {
    input: z.object({ to: z.string().trim().min(3).max(32), recordingId: id }).strict(),
    output: answers<TestCallResult>(),
  },
  /**
   * Ends the test calls in progress (CANCEL while ringing, BYE once
   * answered); each `gateway.testCall` then answers with `cancelledByUser`.
   * Nothing happens when none is in progress (it may have just ended).
   */
  'gateway.cancelTestCall': { input: none, output: answers<void>() },

  // ---- SMS follow-up of a task (issue 10) ----
  /** The task's SMS a crash left uncertain: they may or may not have reached the provider. */
  'task.uncertainSms': { input: z.object({ id }).strict(), output: answers<UncertainSms[]>() },
  /**
   * "Send again", only ever on the user's word: `acceptDuplicate: true` says
   * they were told the customer may receive the SMS twice. `sms` is 'all'
   * the task's uncertain SMS, or some of them by id.
   */
  'task.resendSms': {
    input: z
      .object({ id, sms: z.union([z.literal('all'), z.array(id).min(1).max(500)]), acceptDuplicate: z.literal(true) })
      .strict(),
    output: answers<{ requeued: number }>(),
  },
  /** The task's SMS with their delivery, one page, optionally only one delivery state. */
  'task.smsDeliveries': {
    input: z.object({ id, filter: z.enum(['all', ...SMS_DELIVERY_STATES]).default('all'), ...paging }).strict(),
    output: answers<Page<SmsDeliveryRow>>(),
  },

  // The supervisor's view (issue 9).
  /** Now and today (the WIB day): running tasks, channels, calls per minute, outcomes, SMS, the gateway, the last hour by minute. */
  'dashboard.get': { input: none, output: answers<DashboardView>() },
  /** One task's figures: outcomes, answer rate, SMS by state, elapsed and estimated finish, calls over time. */
  'task.stats': { input: z.object({ id }).strict(), output: answers<TaskStats>() },
  /** A new task calling the numbers of `id` that ended with the chosen outcomes, with the same recording and settings. */
  'task.callAgain': { input: callAgainSchema, output: answers<Task>() },

  // Do-not-call list, deletion checks, roster preview, wizard test SMS, theme (issue 9, branch dnc).
  'dnc.add': { input: z.object({ phone: z.string().trim().min(1).max(40), note: z.string().max(200).optional() }).strict(), output: answers<DoNotCallEntry>() },
  /** An .xlsx or .csv file read as rosters are; asks for the phone column when none is recognised. */
  'dnc.import': {
    input: z.object({ path: filePath, phoneColumn: z.string().min(1).max(200).optional() }).strict(),
    output: answers<DoNotCallImportResult>(),
  },
  'dnc.list': { input: z.object({ search: z.string().max(100).default(''), ...paging }).strict(), output: answers<Page<DoNotCallEntry>>() },
  /** The number in any form that normalises to the listed one. */
  'dnc.remove': { input: z.object({ phone: z.string().trim().min(1).max(40) }).strict(), output: answers<void>() },
  /** How many numbers of a roster are on the list now (they will be skipped). */
  'dnc.countInRoster': { input: z.object({ rosterId: id }).strict(), output: answers<number>() },
  /** The unfinished tasks that use a recording, roster or template: deleting it is refused while there are any. */
  'task.usersOf': {
    input: z.object({ kind: z.enum(['recording', 'roster', 'template']), id }).strict(),
    output: answers<TaskRef[]>(),
  },
  /** Saves a roster's unusable rows as CSV where the user chooses (null when they cancel). */
  'roster.exportIssues': { input: z.object({ id }).strict(), output: answers<ExportResult | null>() },
  /** A roster's usable numbers that are landlines (no SMS) or foreign, for the import preview. */
  'roster.flags': { input: z.object({ id }).strict(), output: answers<RosterFlags>() },
  /** The wizard's "send me this SMS": the template filled in from a roster row, sent to `to` (simulated in dry run). */
  'sms.sendTest': {
    input: z.object({ to: z.string().trim().min(3).max(40), templateId: id, rosterId: id, rowNumber: z.number().int().min(1) }).strict(),
    output: answers<SmsTestView>(),
  },
  'settings.setTheme': { input: z.object({ theme: z.enum(THEMES) }).strict(), output: answers<void>() },
} satisfies Record<OperationName, { input: z.ZodType; output: unknown }>;

// The other direction of the check above: every schema is a listed operation.
type Unlisted = Exclude<keyof typeof CONTRACT, OperationName>;
const _noUnlisted: Unlisted extends never ? true : never = true;
void _noUnlisted;

export type Contract = typeof CONTRACT;
export type OperationInput<K extends OperationName> = z.input<Contract[K]['input']>;
export type ParsedInput<K extends OperationName> = z.output<Contract[K]['input']>;
export type OperationOutput<K extends OperationName> = Contract[K]['output'];

export interface EventPayloads {
  'roster.importProgress': RosterImportProgress;
  'recording.progress': RecordingProgress;
  'task.changed': { taskId: number };
  /** Sent by the desktop's main, not the core: the core process died and is starting again (reason in English, for the log). */
  'app.coreRestarted': { reason: string; at: number };
}
type _EventsListed = EventPayloads extends Record<EventName, unknown> ? true : never;
const _eventsListed: _EventsListed = true;
void _eventsListed;
