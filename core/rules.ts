import type { z } from 'zod';
import type { AppErrorShape } from '../shared/result.js';
import { issueField, problemOfIssue } from '../shared/validation/coded.js';
import { AppError } from './errors.js';
import { coded } from '../shared/messages/errorMessage.js';

/**
 * The first problem of input a shared schema refused. A shared rule's own
 * code (task.badRetryInterval, text.unsafeCharacters) travels in the issue
 * and is answered as itself; a plain shape error is `contract.invalidInput`
 * naming the field.
 */
export function inputProblem(error: z.ZodError): AppErrorShape {
  const issue = error.issues[0];
  const own = issue ? problemOfIssue(issue) : null;
  if (own) return own;
  const where = issue ? issueField(issue) : 'input';
  return coded('contract.invalidInput', { field: where, detail: issue?.message ?? 'malformed request' });
}

/**
 * Runs a shared schema inside the core (a service checks again what the
 * contract checked, for callers that reach it directly: the engine's tests,
 * call again) and throws its first problem as an AppError.
 */
export function applyRules<S extends z.ZodType>(schema: S, value: z.input<S>): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problem = inputProblem(parsed.error);
  throw AppError.of(problem);
}
