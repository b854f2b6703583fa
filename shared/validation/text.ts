import { z } from 'zod';

/**
 * One rule for every name a user gives (tasks, recordings, rosters,
 * templates, gateway fields): no control characters and no bidirectional
 * overrides. They print as nothing in the app but act in a terminal
 * (`ESC]0;...BEL` sets the window title, `ESC[2J` clears the screen) or in
 * a SIP header (CR/LF ends it: RFC 3261 §7.3.1), and bidi controls make a
 * name read differently from what it is (CVE-2021-42574, "Trojan Source").
 *
 * Refused: C0 (U+0000-001F, tab and line breaks included: a name is one
 * line), DEL and C1 (U+007F-009F), the bidi embeddings, overrides and
 * isolates (U+202A-202E, U+2066-2069), the implicit marks (U+200E LRM,
 * U+200F RLM, U+061C ALM: our names are English, Indonesian or Chinese,
 * which never need them), the line and paragraph separators (U+2028,
 * U+2029) and the byte order mark (U+FEFF).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;
/** The same for a text of several lines (an SMS template's body): line feeds and CR LF allowed. */
const UNSAFE_MULTILINE = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|\r(?!\n)/gu;

/** The unsafe characters of a text, each once, as "U+001B" (they cannot be shown as themselves). */
export function unsafeCharacters(text: string, multiline = false): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(multiline ? UNSAFE_MULTILINE : UNSAFE)) found.add(`U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
  return [...found];
}

export function hasUnsafeCharacters(text: string): boolean {
  return text.search(UNSAFE) >= 0;
}

/** The English sentence of the rule; the code is `text.unsafeCharacters` with params field and characters. */
export function unsafeTextMessage(field: string, characters: string[]): string {
  return `The ${field} contains invisible control characters (${characters.join(', ')}), which are not allowed. Type it again, or paste it as plain text.`;
}

/**
 * A zod string with the rule, for the shared schemas (shared/contract,
 * shared/gatewaySchema) so the desktop app and the command line refuse the
 * same input. The issue carries `appCode`, which Core.dispatch answers as
 * the error code (translated as errors.text.unsafeCharacters).
 */
export function safeText<S extends z.ZodType<string>>(schema: S, field: string, options: { multiline?: boolean } = {}): S {
  return schema.superRefine((value, ctx) => {
    const characters = unsafeCharacters(value, options.multiline);
    if (characters.length > 0) {
      ctx.addIssue({ code: 'custom', message: unsafeTextMessage(field, characters), params: { appCode: 'text.unsafeCharacters', field, characters: characters.join(', ') } });
    }
  }) as unknown as S;
}

/**
 * A name taken from a file name (a roster or recording named after its
 * file): Linux allows control characters in file names, so they are dropped
 * here rather than refused, since the user did not type them.
 */
export function withoutUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE, '');
}
