import type { z } from 'zod';
import type { CodedProblem } from '../messages/errorMessage.js';

export { coded, type CodedProblem } from '../messages/errorMessage.js';

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
