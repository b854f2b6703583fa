import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import { errorMessages, errorParamNames } from '../../../shared/messages/errorCatalog.js';
import { errorMessage, errorSentence, formatMessage, isErrorCode } from '../../../shared/messages/errorMessage.js';
import { en, type Messages } from './en.js';
import { id } from './id.js';
import { zh } from './zh.js';

/**
 * The core writes its English sentences with its own small formatter
 * (shared/messages/errorMessage.ts); the window writes the same catalog with
 * vue-i18n. Both must give the same text, so the CLI, the stored rows and the
 * English window say the same.
 */
function leaves(tree: unknown, prefix = ''): [string, string][] {
  return Object.entries(tree as Record<string, unknown>).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return typeof value === 'string' ? [[path, value] as [string, string]] : leaves(value, path);
  });
}

const ENGLISH = leaves(errorMessages);

/** vue-i18n's own `t` over `messages` (untyped keys: the test names them as strings). */
function vueI18n(messages: Record<string, unknown>): { t: (key: string, named: Record<string, string | number>) => string } {
  const { global } = createI18n({ legacy: false, locale: 'en', missingWarn: false, fallbackWarn: false });
  global.setLocaleMessage('en', messages as Parameters<typeof global.setLocaleMessage>[1]);
  return { t: (key, named) => global.t(key, named) };
}

/** Every `{name}` of a message, with a sample value: numbers for counts and sizes, text with spaces and quotes otherwise. */
function sampleParams(message: string): Record<string, string | number> {
  const names = [...message.matchAll(/\{\s*([A-Za-z_][\w]*)\s*\}/g)].map((m) => m[1]!);
  return Object.fromEntries(names.map((name, index) => [name, index % 2 === 0 ? `“${name}” value's text` : 1000 + index]));
}

describe('the error catalog', () => {
  it('has many codes, all of them written without linked messages or %{} (the formatter does not read those)', () => {
    expect(ENGLISH.length).toBeGreaterThan(150);
    for (const [code, message] of ENGLISH) {
      expect(message, code).not.toMatch(/@[.:]|%\{/);
      expect(isErrorCode(code)).toBe(true);
      expect(errorSentence(code)).toBe(message);
    }
    expect(isErrorCode('sip')).toBe(false);
    expect(isErrorCode('sip.noSuchCode')).toBe(false);
    expect(isErrorCode('constructor')).toBe(false);
  });

  it('is filled in by the core exactly as vue-i18n fills it in, for every code', () => {
    const t = vueI18n({ errors: errorMessages }).t;
    for (const [code, message] of ENGLISH) {
      const params = sampleParams(message);
      expect(formatMessage(message, params), code).toBe(t(`errors.${code}`, params));
      // An absent parameter is empty in both.
      expect(formatMessage(message, {}), code).toBe(t(`errors.${code}`, {}));
    }
  });

  it('renders literals, escapes and plural forms as vue-i18n does', () => {
    const samples = {
      literal: "Add {'{'}to{'}'} and {'{'}message{'}'}; {'it\\'s'} {'\\u00e9'} {  name  }",
      two: '{count} attempt | {count} attempts',
      three: 'no SMS | one SMS | {count} SMS',
      spaced: '  one  |  many  ',
      byN: 'after {n} try | after {n} tries',
      inside: "a {'|'} b | c",
    };
    const t = vueI18n(samples).t;
    const cases: [keyof typeof samples, Record<string, string | number>][] = [
      ['literal', { name: 'N' }],
      ['two', { count: 1 }],
      ['two', { count: 0 }],
      ['two', { count: 3 }],
      ['two', { count: -1 }],
      ['two', { count: 'one' }],
      ['two', {}],
      ['three', { count: 0 }],
      ['three', { count: 1 }],
      ['three', { count: 12 }],
      ['three', {}],
      ['spaced', { count: 1 }],
      ['spaced', { count: 2 }],
      ['byN', { n: 1 }],
      ['byN', { n: 4 }],
      ['inside', { count: 1 }],
      ['inside', { count: 2 }],
    ];
    for (const [key, params] of cases) expect(formatMessage(samples[key], params), `${key} ${JSON.stringify(params)}`).toBe(t(key, params));
  });

  it('shows a parameter that is a code by its English name, as the window does', () => {
    expect(errorMessage('recording.notMp3', { format: 'pdf' })).toBe(
      `This file is not an MP3: it is ${errorParamNames.format.pdf}. Choose an MP3 recording, or convert your recording to MP3 first.`,
    );
    expect(errorMessage('task.cannotPause', { status: 'completed' })).toBe('Only a running or scheduled task can be paused; this task is completed.');
    expect(errorMessage('recording.notMp3', { format: 'xyz' })).toContain('it is xyz.');
    expect(() => errorMessage('no.such' as never)).toThrow('No message for the error code no.such.');
  });

  it('is the English catalog’s errors section, and Indonesian and Chinese have the same codes', () => {
    expect(en.errors).toBe(errorMessages);
    expect(en.errorParams).toBe(errorParamNames);
    const codes = ENGLISH.map(([code]) => code).sort();
    expect(leaves(id.errors).map(([code]) => code).sort()).toEqual(codes);
    expect(leaves(zh.errors).map(([code]) => code).sort()).toEqual(codes);
  });

  it('makes a missing or extra translation a compile error (checked by npm run typecheck)', () => {
    // @ts-expect-error -- an extra error code in a translation
    const extra: Messages = { ...id, errors: { ...id.errors, sip: { ...id.errors.sip, noSuchCode: 'x' } } };
    const { noResponse: _dropped, ...sipWithoutOne } = zh.errors.sip;
    // @ts-expect-error -- a translation without one of the codes
    const missing: Messages = { ...zh, errors: { ...zh.errors, sip: sipWithoutOne } };
    expect([extra.errors.sip.noResponse, missing.errors.sip.bindFailed]).toEqual([id.errors.sip.noResponse, zh.errors.sip.bindFailed]);
  });
});
