/**
 * SMS template placeholders: `{name}` is filled from the roster's columns
 * (DOMAIN.md "Variables come from the roster's columns"), `{phone}` from the
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
