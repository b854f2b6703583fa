import type { CodedProblem } from './coded.js';

/**
 * docs/DOMAIN.md, wizard step 1: a task name is Chinese characters, English
 * letters and digits, with single spaces between words ("January 2026
 * Promotion"). The same rule runs in the renderer as the user types and in
 * the main process before anything is stored.
 */
export const TASK_NAME_MAX = 60;

const WORD = '[\\p{Script=Han}A-Za-z0-9]+';
const TASK_NAME = new RegExp(`^${WORD}(?: ${WORD})*$`, 'u');
const ALLOWED_CHAR = /[\p{Script=Han}A-Za-z0-9 ]/u;

export type TaskNameProblem = 'empty' | 'tooLong' | 'badCharacters' | 'badSpaces';

export interface TaskNameCheck {
  ok: boolean;
  problem?: TaskNameProblem;
  /** The characters that are not allowed, each once, in order of appearance. */
  badCharacters?: string;
}

export function checkTaskName(name: string): TaskNameCheck {
  if (name.trim().length === 0) return { ok: false, problem: 'empty' };
  if ([...name].length > TASK_NAME_MAX) return { ok: false, problem: 'tooLong' };
  const bad = [...new Set([...name].filter((c) => !ALLOWED_CHAR.test(c)))].join('');
  if (bad) return { ok: false, problem: 'badCharacters', badCharacters: bad };
  if (!TASK_NAME.test(name)) return { ok: false, problem: 'badSpaces' };
  return { ok: true };
}

export const TASK_NAME_RULE_EN =
  'Use Chinese characters, English letters and digits, with single spaces between words (for example "January 2026 Promotion").';

/** The rule's problem with its code and English sentence (translated as errors.<code>): the wizard, Edit, call again and the core say the same. */
export function taskNameProblem(name: string): CodedProblem | null {
  const check = checkTaskName(name);
  if (check.ok) return null;
  if (check.problem === 'badCharacters') {
    const characters = check.badCharacters ?? '';
    return { code: 'task.nameBadCharacters', message: `The task name contains characters that are not allowed: ${characters}. ${TASK_NAME_RULE_EN}`, params: { characters } };
  }
  if (check.problem === 'tooLong') return { code: 'task.nameTooLong', message: `The task name is too long: use at most ${TASK_NAME_MAX} characters.`, params: { max: TASK_NAME_MAX } };
  if (check.problem === 'empty') return { code: 'task.nameEmpty', message: 'Enter a task name.', params: {} };
  return { code: 'task.nameBadSpaces', message: `Use single spaces between words in the task name. ${TASK_NAME_RULE_EN}`, params: {} };
}
