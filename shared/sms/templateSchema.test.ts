import { describe, expect, it } from 'vitest';
import { CONTRACT } from '../contract/schemas.js';
import { problemOfIssue } from '../validation/coded.js';
import { TEMPLATE_BODY_MAX, TEMPLATE_NAME_MAX, templateCreateSchema, templateUpdateSchema } from './templateSchema.js';

const problemsOf = (input: unknown) => {
  const parsed = templateCreateSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ field: i.path.join('.'), ...problemOfIssue(i) }));
};

describe('the template schema (one home for the dialog, the contract and SmsTemplateService)', () => {
  it('is what the contract validates template.create and template.update with', () => {
    expect(CONTRACT['template.create'].input).toBe(templateCreateSchema);
    expect(CONTRACT['template.update'].input).toBe(templateUpdateSchema);
  });

  it('trims both, and counts characters as people do (an emoji or a Chinese character is one)', () => {
    expect(templateCreateSchema.parse({ name: ' Thanks ', body: '\nTerima kasih {Nama}\n ' })).toEqual({ name: 'Thanks', body: 'Terima kasih {Nama}' });
    expect(templateCreateSchema.safeParse({ name: '促'.repeat(TEMPLATE_NAME_MAX), body: '😀'.repeat(TEMPLATE_BODY_MAX) }).success).toBe(true);
  });

  it('refuses an empty or too long name or text with its own code and the count', () => {
    expect(problemsOf({ name: '  ', body: ' ' }).map((p) => `${p.field}:${p.code}`)).toEqual(['name:template.nameEmpty', 'body:template.bodyEmpty']);
    expect(problemsOf({ name: 'a'.repeat(101), body: 'x' })[0]).toMatchObject({
      code: 'template.nameTooLong',
      message: 'The template name has 101 characters; it can have at most 100. Shorten it.',
      params: { length: 101, max: 100 },
    });
    expect(problemsOf({ name: 'n', body: '好'.repeat(1001) })[0]).toMatchObject({ code: 'template.bodyTooLong', params: { length: 1001, max: 1000 } });
  });

  it('names a brace that is not a {variable}, and control characters, before anything is stored', () => {
    expect(problemsOf({ name: 'n', body: 'Halo {Nama' })[0]).toMatchObject({ field: 'body', code: 'template.unclosedBrace', params: { excerpt: '{Nama' } });
    expect(problemsOf({ name: 'n', body: 'Halo Nama}' })[0]).toMatchObject({ code: 'template.strayBrace' });
    expect(problemsOf({ name: 'n', body: 'Halo {}' })[0]).toMatchObject({ code: 'template.emptyVariable' });
    expect(problemsOf({ name: 'n\u001b[2J', body: 'x' })[0]).toMatchObject({ field: 'name', code: 'text.unsafeCharacters' });
    expect(problemsOf({ name: 'n', body: 'line one\nline two' })).toEqual([]);
  });
});
