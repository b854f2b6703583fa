/**
 * The states of a task, of each of its numbers and of each call attempt,
 * written once: the store (core/tasks/taskStore.ts) writes only these, and
 * docs/ARCHITECTURE.md "Task state machine" draws the same transitions.
 */

export const TASK_STATUSES = ['scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A number of a task: 'uncertain' means a call (or its SMS) was in flight when the app stopped. */
export const TASK_NUMBER_STATES = ['pending', 'dialing', 'waiting_retry', 'done', 'uncertain'] as const;
export type TaskNumberState = (typeof TASK_NUMBER_STATES)[number];

/** Numbers the engine may still dial: the task is not done while one is left. */
export const OPEN_NUMBER_STATES = ['pending', 'dialing', 'waiting_retry'] as const satisfies readonly TaskNumberState[];

/** One call attempt: written in flight before the INVITE leaves; uncertain when the process died meanwhile. */
export const CALL_ATTEMPT_STATES = ['in_flight', 'ended', 'uncertain'] as const;
export type CallAttemptState = (typeof CALL_ATTEMPT_STATES)[number];

/** Statuses in which a task still needs its recording, roster and templates. */
export const UNFINISHED_STATUSES = ['scheduled', 'running', 'paused'] as const satisfies readonly TaskStatus[];

/**
 * Every change of a task's status, by what causes it: from which statuses
 * it may happen, and the status it leads to. Nothing else moves a task.
 */
export const TASK_TRANSITIONS = {
  /** Its start time has come (croner wake-up or the engine's tick); Run Immediately is a schedule due now. */
  start: { from: ['scheduled'], to: 'running' },
  /** Stops new calls at once; calls already connected finish (docs/DOMAIN.md). */
  pause: { from: ['running', 'scheduled'], to: 'paused' },
  /** Resume of a task paused before its start time: it waits for that time again. */
  resumeScheduled: { from: ['paused'], to: 'scheduled' },
  /** Resume of a task that had started. */
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['scheduled', 'running', 'paused'], to: 'cancelled' },
  /** No number is left pending, dialing or waiting for a retry. */
  complete: { from: ['running'], to: 'completed' },
  /** The user calls the numbers a crash left uncertain again. */
  callUncertainAgain: { from: ['completed'], to: 'running' },
} as const satisfies Record<string, { from: readonly TaskStatus[]; to: TaskStatus }>;
export type TaskEvent = keyof typeof TASK_TRANSITIONS;
