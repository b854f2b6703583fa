import type { z } from 'zod';
import { issueField, problemOfIssue, type SchemaCheck } from '../../shared/validation/coded.js';
import { i18n } from './i18n/index.js';

/** One field's problem as a form shows it: the rule's code and its sentence in the chosen language. */
export interface FieldError {
  code: string;
  message: string;
}

/**
 * The problems a shared schema (shared/tasks/taskSchema.ts) finds in a
 * form, by field path ("name", "callingWindow.start"), the first one of each
 * field, translated as the core's answer would be (errors.<code>), so the
 * form says before Submit exactly what the core would say after it. A plain
 * shape problem (an empty choice) is the contract's generic message.
 */
export function fieldErrors(result: SchemaCheck): Record<string, FieldError> {
  const errors: Record<string, FieldError> = {};
  if (result.success) return errors;
  const { t } = i18n.global;
  for (const issue of result.error.issues) {
    const field = issueField(issue);
    if (errors[field]) continue;
    const problem = problemOfIssue(issue);
    errors[field] = problem
      ? { code: problem.code, message: t(`errors.${problem.code}`, problem.params) }
      : { code: 'contract.invalidInput', message: t('errors.contract.invalidInput', { field }) };
  }
  return errors;
}

/** The translated problem of one value (a name in a prompt) under its shared schema, or null when it passes. */
export function valueError(schema: z.ZodType, value: unknown): string | null {
  return fieldErrors(schema.safeParse(value)).input?.message ?? null;
}
