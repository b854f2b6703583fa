import { describe, expect, it } from 'vitest';
import { CONTRACT } from '../contract/schemas.js';
import { problemOfIssue, type CodedProblem } from '../validation/coded.js';
import { callAgainSchema, taskCreateSchema, taskNameSchema, taskRenameSchema, taskRulesSchema } from './taskSchema.js';

const base = { name: 'January 2026 Promotion', recordingId: 1, rosterId: 2, start: { mode: 'now' } };

/** The coded problems of a task.create request, by field, in order. */
function problems(input: Record<string, unknown>): { field: string; problem: CodedProblem | null }[] {
  const parsed = taskCreateSchema.safeParse({ ...base, ...input });
  return parsed.success ? [] : parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), problem: problemOfIssue(issue) }));
}

const codes = (input: Record<string, unknown>) => problems(input).map((p) => `${p.field}:${p.problem?.code ?? 'shape'}`);

describe('the task schema (one home for the wizard, the contract and TaskService)', () => {
  it('is the schema the contract validates task.create, task.rename and task.callAgain with', () => {
    expect(CONTRACT['task.create'].input).toBe(taskCreateSchema);
    expect(CONTRACT['task.rename'].input).toBe(taskRenameSchema);
    expect(CONTRACT['task.callAgain'].input).toBe(callAgainSchema);
  });

  it('fills the defaults: one attempt, no interval, no window, no SMS, and runs now (null start)', () => {
    expect(taskCreateSchema.parse(base)).toEqual({
      ...base,
      start: null,
      smsDisconnectTemplateId: null,
      smsUnansweredTemplateId: null,
      maxAttempts: 1,
      retryIntervalMinutes: 0,
      callingWindow: null,
    });
  });

  it('takes 1 to 10 attempts, whole numbers only, with its own code and bounds', () => {
    for (const ok of [1, 10]) expect(codes({ maxAttempts: ok, retryIntervalMinutes: 5 })).toEqual([]);
    for (const bad of [0, 11, 1.5, '', '3', null]) expect(codes({ maxAttempts: bad, retryIntervalMinutes: 5 })).toEqual(['maxAttempts:task.badAttempts']);
    expect(problems({ maxAttempts: 11 })[0]?.problem).toEqual({
      code: 'task.badAttempts',
      message: 'Attempts per number must be between 1 and 10.',
      params: { min: 1, max: 10 },
    });
  });

  it('asks for 1 to 1440 minutes between attempts once there are retries; without retries 0 says "not used"', () => {
    expect(codes({ maxAttempts: 1, retryIntervalMinutes: 0 })).toEqual([]);
    expect(codes({ maxAttempts: 3, retryIntervalMinutes: 1 })).toEqual([]);
    expect(codes({ maxAttempts: 3, retryIntervalMinutes: 1440 })).toEqual([]);
    expect(codes({ maxAttempts: 3, retryIntervalMinutes: 0 })).toEqual(['retryIntervalMinutes:task.badRetryInterval']);
    expect(codes({ maxAttempts: 3 })).toEqual(['retryIntervalMinutes:task.badRetryInterval']);
    expect(codes({ maxAttempts: 3, retryIntervalMinutes: 1441 })).toEqual(['retryIntervalMinutes:task.badRetryInterval']);
    expect(codes({ maxAttempts: 1, retryIntervalMinutes: -1 })).toEqual(['retryIntervalMinutes:task.badRetryInterval']);
    expect(codes({ maxAttempts: 2, retryIntervalMinutes: 2.5 })).toEqual(['retryIntervalMinutes:task.badRetryInterval']);
    expect(problems({ maxAttempts: 3, retryIntervalMinutes: 0 })[0]?.problem).toEqual({
      code: 'task.badRetryInterval',
      message: 'The retry interval must be between 1 and 1440 minutes.',
      params: { min: 1, max: 1440 },
    });
  });

  it('names a missing interval even while another field is wrong (the wizard shows it before the roster is chosen)', () => {
    expect(codes({ rosterId: null, maxAttempts: 2, retryIntervalMinutes: 0 })).toEqual(['rosterId:shape', 'retryIntervalMinutes:task.badRetryInterval']);
  });

  it('takes a calling window of two different WIB times of day, across midnight too, naming the wrong end', () => {
    expect(codes({ callingWindow: { start: '08:00', end: '20:00' } })).toEqual([]);
    expect(codes({ callingWindow: { start: '22:00', end: '06:00' } })).toEqual([]);
    expect(codes({ callingWindow: { start: '24:00', end: '20:00' } })).toEqual(['callingWindow.start:task.badWindowStart']);
    expect(codes({ callingWindow: { start: '08:00', end: '08:60' } })).toEqual(['callingWindow.end:task.badWindowEnd']);
    expect(codes({ callingWindow: { start: '08:00', end: '08:00' } })).toEqual(['callingWindow.end:task.badWindow']);
    expect(codes({ callingWindow: { start: '', end: '20:00' } })).toEqual(['callingWindow.start:task.badWindow']);
    expect(problems({ callingWindow: { start: '08:00', end: '24:00' } })[0]?.problem).toEqual({
      code: 'task.badWindowEnd',
      message: "The calling window’s end 24:00 is not a time of day: use 00:00 to 23:59 (WIB); for midnight, use 00:00.",
      params: { time: '24:00' },
    });
  });

  it('reads a scheduled start as WIB wall-clock time into its instant, and names the field of an impossible one', () => {
    expect(taskCreateSchema.parse({ ...base, start: { mode: 'scheduled', at: '2026-01-15 09:30' } }).start).toBe(Date.UTC(2026, 0, 15, 2, 30));
    expect(codes({ start: { mode: 'scheduled', at: '2026-02-30 09:00' } })).toEqual(['start.at:task.badStartDate']);
    expect(codes({ start: { mode: 'scheduled', at: '2026-02-01 24:00' } })).toEqual(['start.at:task.badStartClock']);
    expect(codes({ start: { mode: 'scheduled', at: 'tomorrow' } })).toEqual(['start.at:task.badStartTime']);
    expect(problems({ start: { mode: 'scheduled', at: '2026-02-30 09:00' } })[0]?.problem?.params).toEqual({ date: '2026-02-30', days: 28 });
  });

  it('trims the task name and refuses what the name rule refuses, each with its code', () => {
    expect(taskNameSchema.parse('  一月促销 2026 ')).toBe('一月促销 2026');
    expect(codes({ name: 'Promo @ 50%' })).toEqual(['name:task.nameBadCharacters']);
    expect(problems({ name: 'Promo @ 50%' })[0]?.problem?.params).toEqual({ characters: '@%' });
    expect(codes({ name: '   ' })).toEqual(['name:task.nameEmpty']);
    expect(codes({ name: 'Promo  2026' })).toEqual(['name:task.nameBadSpaces']);
    expect(codes({ name: 'x'.repeat(61) })).toEqual(['name:task.nameTooLong']);
    expect(codes({ name: 'Promo\u202e2026' })[0]).toBe('name:text.unsafeCharacters');
    expect(taskRenameSchema.safeParse({ id: 1, name: 'Promo #2' }).error?.issues.map((i) => problemOfIssue(i)?.code)).toEqual(['task.nameBadCharacters']);
    expect(callAgainSchema.safeParse({ id: 1, name: 'Promo #2', outcomes: ['busy'], start: { mode: 'now' } }).success).toBe(false);
  });

  it('gives TaskService the same rules without the ids and the start it gets already checked', () => {
    expect(taskRulesSchema.parse({ name: ' Promo ', maxAttempts: 2, retryIntervalMinutes: 15 })).toEqual({
      name: 'Promo',
      maxAttempts: 2,
      retryIntervalMinutes: 15,
      callingWindow: null,
    });
    expect(taskRulesSchema.safeParse({ name: 'Promo', maxAttempts: 2 }).error?.issues.map((i) => problemOfIssue(i)?.code)).toEqual(['task.badRetryInterval']);
  });

  it('refuses fields it does not know', () => {
    expect(codes({ priority: 1 })).toEqual([':shape']);
  });
});
