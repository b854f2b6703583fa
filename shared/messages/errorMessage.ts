import { errorMessages, errorParamNames } from './errorCatalog.js';

type Catalog = typeof errorMessages;

/** `a.b.c` for every string leaf of a message tree. */
type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every error code the app knows: a key of the catalog, so a misspelt code does not compile. */
export type ErrorCode = Leaves<Catalog>;

type At<T, Path extends string> = Path extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? At<T[Head], Rest>
    : never
  : Path extends keyof T
    ? T[Path]
    : never;

/** The `{name}` parameters of a message; `{'x'}` is a literal, not a parameter. */
type Placeholders<S> = S extends `${string}{${infer Name}}${infer Rest}`
  ? (Name extends `'${string}` ? never : Name) | Placeholders<Rest>
  : never;

/** The English sentence of `C`, as a literal type. */
export type ErrorSentence<C extends ErrorCode> = At<Catalog, C>;

export type ParamValue = string | number;

/**
 * What `C`'s sentence needs filled in. More may be given: params also carry
 * what the renderer or the row needs beside the sentence (an id, a provider).
 */
export type ErrorParams<C extends ErrorCode> = Record<Placeholders<ErrorSentence<C>>, ParamValue> & Record<string, ParamValue>;

/** The params argument of `C`: required when its sentence names a parameter, optional otherwise. */
export type ErrorParamsArg<C extends ErrorCode> = [Placeholders<ErrorSentence<C>>] extends [never]
  ? [params?: Record<string, ParamValue>]
  : [params: ErrorParams<C>];

const CATALOG: unknown = errorMessages;

/** The catalog's sentence for `code`, or undefined for a code it does not hold (a stored row's old code). */
export function errorSentence(code: string): string | undefined {
  let node: unknown = CATALOG;
  for (const key of code.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' ? node : undefined;
}

export function isErrorCode(code: string): code is ErrorCode {
  return errorSentence(code) !== undefined;
}

/**
 * A parameter as the English sentence shows it: a value that is a code of
 * `errorParamNames` (a file format, why a redirect was not followed) by its
 * English name, as the renderer shows it by its name in each language.
 */
function shown(name: string, value: ParamValue): ParamValue {
  if (typeof value !== 'string' || !Object.hasOwn(errorParamNames, name)) return value;
  const names = errorParamNames[name as keyof typeof errorParamNames] as Readonly<Record<string, string>>;
  return Object.hasOwn(names, value) ? names[value]! : value;
}

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

/** The English sentence of an error code, filled in with its params (what the CLI prints and the store keeps). */
export function errorMessage(code: ErrorCode, params?: Record<string, ParamValue>): string {
  const sentence = errorSentence(code);
  if (sentence === undefined) throw new Error(`No message for the error code ${code}.`);
  const filled = Object.fromEntries(Object.entries(params ?? {}).map(([name, value]) => [name, shown(name, value)]));
  return formatMessage(sentence, filled);
}

/**
 * A vue-i18n message filled in as vue-i18n's `t(key, params)` does it, for
 * the syntax the catalog uses: `{name}` (an absent one is empty),
 * `{'literal'}` with its escapes, and plural forms separated by `|`, chosen
 * by the `count` (or `n`) parameter with vue-i18n's default rule (two forms:
 * 1 is the first, anything else the second; three: 0, 1, more). Linked
 * messages (`@:key`) and `%{name}` are not used by the catalog (its test
 * refuses them), so they are not read here.
 * renderer/src/i18n/errorCatalog.test.ts compares this with vue-i18n itself for every message.
 */
export function formatMessage(message: string, params: Readonly<Record<string, ParamValue>> = {}): string {
  const forms = splitPlural(message);
  const form = forms.length === 1 ? forms[0]! : forms[pluralForm(params, forms.length)]!;
  return fill(form, params);
}

function pluralForm(params: Readonly<Record<string, ParamValue>>, forms: number): number {
  const count = typeof params.count === 'number' ? params.count : typeof params.n === 'number' ? params.n : -1;
  const choice = Math.abs(count);
  if (forms === 2) return choice === 1 ? 0 : 1;
  return Math.min(choice, 2, forms - 1);
}

/** The forms between `|`s that are not inside braces; vue-i18n drops the spaces next to each `|`. */
function splitPlural(message: string): string[] {
  const forms: string[] = [];
  let start = 0;
  for (let i = 0; i < message.length; i++) {
    if (message[i] === '{') i = closingBrace(message, i);
    else if (message[i] === '|') {
      forms.push(message.slice(start, i));
      start = i + 1;
    }
  }
  forms.push(message.slice(start));
  if (forms.length === 1) return forms;
  return forms.map((form, index) => {
    const left = index > 0 ? form.replace(/^[ \t]+/, '') : form;
    return index < forms.length - 1 ? left.replace(/[ \t]+$/, '') : left;
  });
}

/** The index of the `}` that closes the placeholder opened at `open` (a literal may hold a brace). */
function closingBrace(message: string, open: number): number {
  let i = open + 1;
  while (message[i] === ' ') i++;
  if (message[i] === "'") {
    for (i++; i < message.length && message[i] !== "'"; i++) if (message[i] === '\\') i++;
    i++;
  }
  const close = message.indexOf('}', i);
  return close === -1 ? message.length : close;
}

function fill(form: string, params: Readonly<Record<string, ParamValue>>): string {
  let out = '';
  for (let i = 0; i < form.length; i++) {
    if (form[i] !== '{') {
      out += form[i];
      continue;
    }
    const close = closingBrace(form, i);
    const inside = form.slice(i + 1, close).trim();
    out += inside.startsWith("'") ? literal(inside) : String(params[inside] ?? '');
    i = close;
  }
  return out;
}

/** `'...'` with vue-i18n's escapes: \' \\ \uXXXX \UXXXXXX. */
function literal(quoted: string): string {
  const body = quoted.slice(1, quoted.lastIndexOf("'"));
  return body.replace(/\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{6})|(.))/g, (_, u4: string | undefined, u6: string | undefined, ch: string | undefined) =>
    u4 ? String.fromCodePoint(parseInt(u4, 16)) : u6 ? String.fromCodePoint(parseInt(u6, 16)) : (ch ?? ''),
  );
}
