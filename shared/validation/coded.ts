import type { z } from 'zod';
import { errorMessage, type ErrorCode, type ErrorParamsArg } from '../messages/errorMessage.js';

/**
 * A rule's problem as the app reports it everywhere: a stable code the
 * renderer translates (`errors.<code>`), the English sentence the core and
 * the command line print, and the values the sentence names.
 */
export interface CodedProblem<C extends string = string> {
  code: C;
  message: string;
  params: Record<string, string | number>;
}

/** `code`'s problem with its English sentence from the one catalog (shared/messages/errorCatalog.ts), filled in with `params`. */
export function coded<C extends ErrorCode>(code: C, ...[params]: ErrorParamsArg<C>): CodedProblem<C> {
  const values = params ?? {};
  return { code, message: errorMessage(code, values), params: values };
}

/** Adds a coded problem to a shared schema's check: its code travels as `params.appCode` (zod's custom issues carry params). */
export function addCoded(ctx: z.core.$RefinementCtx, problem: CodedProblem, path?: PropertyKey[]): void {
  ctx.addIssue({ code: 'custom', message: problem.message, params: { appCode: problem.code, ...problem.params }, ...(path ? { path } : {}) });
}

/** The coded problem of a zod issue, or null for a plain shape error (a number where a string belongs). */
export function problemOfIssue(issue: z.core.$ZodIssue): CodedProblem | null {
  if (issue.code !== 'custom') return null;
  const { appCode, ...params } = (issue.params ?? {}) as { appCode?: string } & Record<string, string | number>;
  return appCode ? { code: appCode, message: issue.message, params } : null;
}

/** Where an issue is: its path joined with dots ("callingWindow.start"), or "input" at the top. */
export function issueField(issue: z.core.$ZodIssue): string {
  return issue.path.map(String).join('.') || 'input';
}

/** What a shared schema's safeParse answers, for code that shows its issues (the renderer's forms). */
export type SchemaCheck = z.ZodSafeParseResult<unknown>;
