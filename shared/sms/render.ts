/**
 * SMS template placeholders: `{name}` is filled from the roster's columns
 * (docs/DOMAIN.md "SMS follow-ups"), `{phone}` from the
 * number being called. Roster headers are typed by people ("Nama", " nama ",
 * "NAMA"), so names match trimmed and case-insensitively.
 *
 * A placeholder is `{` + up to 100 characters without braces or line breaks
 * + `}`; its name may hold spaces or Chinese ("{Nama Lengkap}", "{姓名}").
 * `{ }` (nothing inside once trimmed) is plain text.
 */

const PLACEHOLDER = /\{([^{}\r\n]{1,100})\}/g;

function keyOf(name: string): string {
  return name.trim().toLocaleLowerCase('en-US');
}

/** The placeholder names a template uses, trimmed, each once (first spelling kept), in order. */
export function templateVariables(body: string): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const match of body.matchAll(PLACEHOLDER)) {
    const name = (match[1] ?? '').trim();
    if (name === '' || seen.has(keyOf(name))) continue;
    seen.add(keyOf(name));
    names.push(name);
  }
  return names;
}

export interface RenderedTemplate {
  text: string;
  /** Placeholders no variable matched, each once, in order; they stay in the text as written. */
  missing: string[];
}

export function renderTemplate(body: string, variables: Readonly<Record<string, string>>): RenderedTemplate {
  // An exact key wins over a case-insensitive one when a roster has both "Name" and "name".
  const exact = new Map<string, string>();
  const folded = new Map<string, string>();
  for (const [key, value] of Object.entries(variables)) {
    exact.set(key.trim(), value);
    if (!folded.has(keyOf(key))) folded.set(keyOf(key), value);
  }
  const missing: string[] = [];
  const missingKeys = new Set<string>();
  const text = body.replace(PLACEHOLDER, (whole, inner: string) => {
    const name = inner.trim();
    if (name === '') return whole;
    const value = exact.get(name) ?? folded.get(keyOf(name));
    if (value !== undefined) return value;
    if (!missingKeys.has(keyOf(name))) {
      missingKeys.add(keyOf(name));
      missing.push(name);
    }
    return whole;
  });
  return { text, missing };
}

/**
 * A mistake in a template's own text, found when it is saved (issue 10: an
 * unclosed `{Nama` used to be sent as typed). `excerpt` is the text from
 * the offending brace (at most 20 characters), so the message can point at it.
 */
export type TemplateSyntaxProblem =
  | { kind: 'unclosed'; excerpt: string }
  | { kind: 'empty'; excerpt: string }
  | { kind: 'unopened'; excerpt: string }
  | { kind: 'tooLong'; excerpt: string };

export const VARIABLE_NAME_MAX = 100;

function excerptAt(body: string, index: number): string {
  const line = body.slice(index).split(/\r?\n/)[0] ?? '';
  const chars = [...line];
  return chars.length > 20 ? `${chars.slice(0, 20).join('')}…` : line;
}

/**
 * Every brace in a template must belong to one `{variable}`: an opening
 * brace closed on the same line by the next closing brace, with a name of 1
 * to 100 characters between them. Braces cannot be sent as literal text in
 * a template (they also count as two GSM-7 characters each, docs/DOMAIN.md
 * "SMS follow-ups"), so a lone `{` or `}` is a typing mistake, and so is `{}`.
 */
export function templateSyntaxProblems(body: string): TemplateSyntaxProblem[] {
  const problems: TemplateSyntaxProblem[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === '}') {
      // The words before a stray closing brace say where it is better than those after it.
      const lineStart = Math.max(body.lastIndexOf('\n', i) + 1, i - 10);
      problems.push({ kind: 'unopened', excerpt: body.slice(lineStart, i + 1) });
      i++;
      continue;
    }
    if (c !== '{') {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < body.length && body[j] !== '}' && body[j] !== '{' && body[j] !== '\n' && body[j] !== '\r') j++;
    if (body[j] !== '}') {
      problems.push({ kind: 'unclosed', excerpt: excerptAt(body, i) });
      i = j;
      continue;
    }
    const name = body.slice(i + 1, j).trim();
    if (name === '') problems.push({ kind: 'empty', excerpt: body.slice(i, j + 1) });
    else if ([...name].length > VARIABLE_NAME_MAX) problems.push({ kind: 'tooLong', excerpt: excerptAt(body, i) });
    i = j + 1;
  }
  return problems;
}

/**
 * The template's variables that no column of the roster fills, as written
 * in the template, each once, in order. `columns` are the roster's variable
 * columns (every column but the phone column); `{phone}` is always filled
 * (core/sms/outbox.ts). Matching is renderTemplate's: trimmed, case-insensitive.
 */
export function missingVariables(body: string, columns: readonly string[]): string[] {
  const known = new Set([...columns, 'phone'].map(keyOf));
  return templateVariables(body).filter((name) => !known.has(keyOf(name)));
}

/** The columns a roster's entries carry as variables: all but the phone column (core/rosters/rosterWriter.ts). */
export function rosterVariableColumns(roster: { columns: readonly string[]; phoneColumn: string }): string[] {
  return roster.columns.filter((c) => c !== roster.phoneColumn);
}
