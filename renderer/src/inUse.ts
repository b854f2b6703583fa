import { autocall, unwrap } from './api/call.js';
import { i18n } from './i18n/index.js';

/**
 * Why a recording, roster or template cannot be deleted now, naming the
 * unfinished task that uses it (null when none does): asked as the delete
 * dialog opens, so the refusal comes before the Confirm, not after it.
 */
export async function deleteRefusal(kind: 'recording' | 'roster' | 'template', id: number, name: string): Promise<string | null> {
  const users = await unwrap(autocall().task.usersOf({ kind, id }));
  const first = users[0];
  if (!first) return null;
  const { t } = i18n.global;
  const task = users.length === 1 ? first.name : t('inUse.andMore', { task: first.name, count: users.length - 1 });
  return t(`inUse.${kind}`, { name, task });
}
