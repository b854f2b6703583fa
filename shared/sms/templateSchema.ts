import { z } from 'zod';
import { addCoded, coded, type CodedProblem } from '../validation/coded.js';
import { nameSchema } from '../validation/nameSchema.js';
import { safeText } from '../validation/text.js';
import { templateSyntaxProblems, VARIABLE_NAME_MAX } from './render.js';

/**
 * An SMS template's name and text, checked once for the template dialog
 * (renderer/src/components/TemplateDialog.vue), the contract
 * (`template.create`, `template.update`) and SmsTemplateService, as
 * shared/tasks/taskSchema.ts does for tasks. Lengths count characters as
 * people do (an emoji is one), not UTF-16 units.
 */
export const TEMPLATE_NAME_MAX = 100;
export const TEMPLATE_BODY_MAX = 1000;

const id = z.number().int().positive();
const length = (text: string): number => [...text].length;

export const templateNameSchema = nameSchema('template name', TEMPLATE_NAME_MAX, { empty: 'template.nameEmpty', tooLong: 'template.nameTooLong' });

/**
 * A brace that is not part of a `{variable}` would reach customers as typed
 * (issue 10), so the text is refused when saved; the first mistake is named
 * with the words around it.
 */
export function templateSyntaxProblem(body: string): CodedProblem | null {
  const problem = templateSyntaxProblems(body)[0];
  if (!problem) return null;
  const { excerpt } = problem;
  switch (problem.kind) {
    case 'unclosed':
      return coded('template.unclosedBrace', { excerpt });
    case 'unopened':
      return coded('template.strayBrace', { excerpt });
    case 'empty':
      return coded('template.emptyVariable', { excerpt });
    case 'tooLong':
      return coded('template.variableTooLong', { excerpt, max: VARIABLE_NAME_MAX });
  }
}

/** The SMS text: line breaks allowed, nothing else invisible; trimmed (white space at the ends is invisible in the editor but paid for in every SMS). */
export const templateBodySchema = safeText(z.string(), 'template text', { multiline: true })
  .transform((body) => body.trim())
  .superRefine((body, ctx) => {
    const n = length(body);
    if (n === 0) addCoded(ctx, coded('template.bodyEmpty'));
    else if (n > TEMPLATE_BODY_MAX) {
      addCoded(ctx, coded('template.bodyTooLong', { length: n, max: TEMPLATE_BODY_MAX }));
    } else {
      const syntax = templateSyntaxProblem(body);
      if (syntax) addCoded(ctx, syntax);
    }
  });

export const templateCreateSchema = z.object({ name: templateNameSchema, body: templateBodySchema }).strict();
export const templateUpdateSchema = z.object({ id, name: templateNameSchema, body: templateBodySchema }).strict();
export type TemplateInput = z.output<typeof templateCreateSchema>;
