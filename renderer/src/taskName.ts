import { taskNameSchema } from '../../shared/tasks/taskSchema.js';
import { valueError } from './schemaMessages.js';

/**
 * docs/DOMAIN.md, wizard step 1, Edit and call again: the task name schema
 * the contract and the core apply (shared/tasks/taskSchema.ts), as a message
 * in the user's language that names the refused characters and says which
 * ones are allowed.
 */
export function taskNameError(name: string): string | null {
  return valueError(taskNameSchema, name);
}
