import { z } from 'zod';
import { addCoded } from '../validation/coded.js';
import { TASK_NAME_MAX, taskNameProblem } from '../validation/taskName.js';
import { safeText } from '../validation/text.js';
import { checkWib, isTimeOfDay } from '../time/wib.js';
import { CALL_AGAIN_OUTCOMES } from './outcomeGroups.js';

/**
 * The rules of a task's fields, once: the wizard checks them as the user
 * types (renderer/src/components/TaskWizard.vue), the contract before any
 * handler runs (shared/contract/schemas.ts) and TaskService again before it
 * writes (core/tasks/taskService.ts), as shared/gatewaySchema.ts does for
 * the gateway. Every refusal is a coded issue (shared/validation/coded.ts),
 * so all three say the same sentence, translated as errors.<code>.
 *
 * The bounds (docs/DOMAIN.md "Calling window and retries"): attempts count
 * the first call, 1 to 10; with retries (attempts > 1) they are 1 to 1440
 * minutes apart; without, the interval is not used and 0 says so.
 */
export const TASK_ATTEMPTS = { min: 1, max: 10 } as const;
export const TASK_RETRY_MINUTES = { min: 1, max: 24 * 60 } as const;

const id = z.number().int().positive();

/** A whole number within bounds, refused with its own code (a plain z.number() would refuse "" or 1.5 with a generic shape error). */
function wholeNumber(bounds: { min: number; max: number }, code: string, message: string, accept = bounds) {
  return z.custom<number>((value) => Number.isInteger(value) && (value as number) >= accept.min && (value as number) <= accept.max, {
    message,
    params: { appCode: code, min: bounds.min, max: bounds.max },
  });
}

/** A task name (docs/DOMAIN.md "Task names"): trimmed, no control characters, then the rule with the problem it names. */
export const taskNameSchema = safeText(z.string().trim(), 'task name').superRefine((name, ctx) => {
  const problem = taskNameProblem(name);
  if (problem) addCoded(ctx, problem);
});

export const taskAttemptsSchema = wholeNumber(TASK_ATTEMPTS, 'task.badAttempts', `Attempts per number must be between ${TASK_ATTEMPTS.min} and ${TASK_ATTEMPTS.max}.`);

/** 0 (no retries) is accepted here; the object's check asks for 1-1440 once attempts > 1. */
export const taskRetryMinutesSchema = wholeNumber(
  TASK_RETRY_MINUTES,
  'task.badRetryInterval',
  `The retry interval must be between ${TASK_RETRY_MINUTES.min} and ${TASK_RETRY_MINUTES.max} minutes.`,
  { min: 0, max: TASK_RETRY_MINUTES.max },
);

/** A WIB time of day, "HH:mm" from 00:00 to 23:59: 24:00 would silently be the next day. */
function timeOfDay(code: 'task.badWindowStart' | 'task.badWindowEnd', which: string, advice: string) {
  return z.string().superRefine((time, ctx) => {
    if (time === '') addCoded(ctx, windowProblem);
    else if (!isTimeOfDay(time)) addCoded(ctx, { code, message: `The calling window's ${which} ${time} is not a time of day: use 00:00 to 23:59 (WIB)${advice}.`, params: { time } });
  });
}

const windowProblem = { code: 'task.badWindow', message: 'The calling window needs a start and an end time as HH:mm (WIB), and they must differ.', params: {} };

/** The hours (WIB) calls may start in; may cross midnight (22:00-06:00), but a window of no length is refused. */
export const callingWindowSchema = z
  .object({ start: timeOfDay('task.badWindowStart', 'start', ''), end: timeOfDay('task.badWindowEnd', 'end', '; for midnight, use 00:00') })
  .superRefine((window, ctx) => {
    if (window.start !== '' && window.start === window.end) addCoded(ctx, windowProblem, ['end']);
  });

/**
 * When a task starts: now, or a WIB wall-clock time "YYYY-MM-DD HH:mm"
 * read in Asia/Jakarta whatever the machine's zone (docs/DOMAIN.md "WIB").
 * Parsed here, once, into the instant (null: run now); a date or time that
 * does not exist is refused naming its field. Whether it is still in the
 * future depends on the clock, so the service checks that (task.startInPast).
 */
export const taskStartSchema = z
  .discriminatedUnion('mode', [
    z.object({ mode: z.literal('now') }),
    z.object({
      mode: z.literal('scheduled'),
      at: z
        .string()
        .max(40)
        .transform((text, ctx) => {
          const check = checkWib(text);
          if (check.ok) return check.at;
          addCoded(ctx, check.problem);
          return z.NEVER;
        }),
    }),
  ])
  .transform((start): number | null => (start.mode === 'now' ? null : start.at));

/** Retries, interval and calling window, as a task keeps them (call again copies them unchanged). */
const settingsShape = {
  maxAttempts: taskAttemptsSchema.default(1),
  retryIntervalMinutes: taskRetryMinutesSchema.default(0),
  callingWindow: callingWindowSchema.nullable().default(null),
};

function retriesNeedInterval(task: { maxAttempts: number; retryIntervalMinutes: number }, ctx: z.core.$RefinementCtx): void {
  if (task.maxAttempts > 1 && task.retryIntervalMinutes < TASK_RETRY_MINUTES.min) {
    addCoded(
      ctx,
      {
        code: 'task.badRetryInterval',
        message: `The retry interval must be between ${TASK_RETRY_MINUTES.min} and ${TASK_RETRY_MINUTES.max} minutes.`,
        params: { ...TASK_RETRY_MINUTES },
      },
      ['retryIntervalMinutes'],
    );
  }
}
/**
 * Runs even while another field is wrong (zod skips an object's checks then),
 * so the wizard names a missing interval before the roster is chosen; only
 * the two fields it reads must be right.
 */
const whenRetriesReadable = {
  when: (payload: z.core.ParsePayload) =>
    typeof payload.value === 'object' && payload.value !== null && payload.issues.every((i) => i.path?.[0] !== 'maxAttempts' && i.path?.[0] !== 'retryIntervalMinutes'),
};

/** The fields TaskService checks again before writing (it receives the start as an instant, and its ids are looked up). */
export const taskRulesSchema = z.object({ name: taskNameSchema, ...settingsShape }).superRefine(retriesNeedInterval, whenRetriesReadable);

/** `task.create`: the wizard's four steps as one request. */
export const taskCreateSchema = z
  .object({
    name: taskNameSchema,
    recordingId: id,
    rosterId: id,
    start: taskStartSchema,
    smsDisconnectTemplateId: id.nullable().default(null),
    smsUnansweredTemplateId: id.nullable().default(null),
    ...settingsShape,
  })
  .strict()
  .superRefine(retriesNeedInterval, whenRetriesReadable);

/** `task.rename` (Edit): the same name rule. */
export const taskRenameSchema = z.object({ id, name: taskNameSchema }).strict();

/** `task.callAgain`: a new task from the numbers of `id` that ended with the chosen outcomes; its name follows the same rule. */
export const callAgainSchema = z
  .object({
    id,
    name: taskNameSchema,
    outcomes: z.array(z.enum(CALL_AGAIN_OUTCOMES)).min(1).max(CALL_AGAIN_OUTCOMES.length),
    start: taskStartSchema,
  })
  .strict();

/** What a caller sends (the wizard, the CLI): the start as WIB text. */
export type TaskCreateRequest = z.input<typeof taskCreateSchema>;
/** What a handler receives: the start as an instant, or null to run now. */
export type TaskCreateFields = z.output<typeof taskCreateSchema>;
export type TaskRules = z.output<typeof taskRulesSchema>;

export { TASK_NAME_MAX };
