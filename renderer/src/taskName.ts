import { checkTaskName, TASK_NAME_MAX } from '../../shared/validation/taskName.js';
import { i18n } from './i18n/index.js';

/**
 * docs/DOMAIN.md, wizard step 1 and Edit: the same rule the core applies
 * (shared/validation/taskName.ts), as a message in the user's language that
 * names the refused characters and says which ones are allowed.
 */
export function taskNameError(name: string): string | null {
  const check = checkTaskName(name);
  if (check.ok) return null;
  const { t } = i18n.global;
  if (check.problem === 'badCharacters') return t('errors.task.nameBadCharacters', { characters: check.badCharacters ?? '' });
  if (check.problem === 'tooLong') return t('errors.task.nameTooLong', { max: TASK_NAME_MAX });
  if (check.problem === 'empty') return t('errors.task.nameEmpty');
  return t('errors.task.nameBadSpaces');
}
