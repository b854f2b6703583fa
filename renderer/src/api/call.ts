import type { AutocallApi } from '../../../shared/contract/api.js';
import type { AppErrorShape, Result } from '../../../shared/result.js';
import type { CodedError } from '../../../shared/types.js';
import { i18n } from '../i18n/index.js';

/** An operation the core refused, with its message already in the user's language. */
export class UiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = 'UiError';
  }
}

/** The contract object the preload (or the test bridge) put on window. */
export function autocall(): AutocallApi {
  const api = window.autocall;
  if (!api) throw new UiError('app.noCore', i18n.global.t('errors.app.noCore'));
  return api;
}

/**
 * Where the display names of parameter values that are codes are, when not
 * under `errorParams.<param>`: the names the forms show, so an error says
 * "Twilio" and "Account SID" as Settings > SMS account does. An entry for
 * one feature ("smsAccount.field") wins over one for every feature; other
 * features' `field` is no SMS setting (contract.invalidInput's is a path).
 */
const PARAM_NAMES: Readonly<Record<string, string>> = {
  provider: 'settings.sms.providers',
  'smsAccount.field': 'settings.sms.fields',
};

/** A parameter of a core error as the user reads it: a code's display name in the chosen language, anything else as it came. */
function paramText(code: string, name: string, value: string | number): string | number {
  if (typeof value !== 'string') return value;
  const feature = code.slice(0, code.indexOf('.'));
  const key = `${PARAM_NAMES[`${feature}.${name}`] ?? PARAM_NAMES[name] ?? `errorParams.${name}`}.${value}`;
  const { t, te } = i18n.global;
  return te(key) || te(key, 'en') ? t(key) : value;
}

/**
 * The translated text of a core error: `errors.<code>` filled with the
 * error's params, or the core's English message when the code has no
 * translation yet (a new code must never show as a bare key).
 */
export function errorText(error: AppErrorShape): string {
  if (!translated(error.code)) return error.message;
  const params = Object.fromEntries(Object.entries(error.params ?? {}).map(([name, value]) => [name, paramText(error.code, name, value)]));
  return i18n.global.t(`errors.${error.code}`, params);
}

function translated(code: string): boolean {
  const { te } = i18n.global;
  return te(`errors.${code}`) || te(`errors.${code}`, 'en');
}

/**
 * The translated text of an error the core stored with a row (a failed SMS,
 * a call attempt's problems): each code's `errors.<code>` text in order, or
 * the stored English sentence when the row was written before codes were
 * stored or one of its codes has no translation yet.
 */
export function storedErrorText(sentence: string, codes: readonly CodedError[] | null): string {
  if (!codes || codes.length === 0 || !codes.every((c) => translated(c.code))) return sentence;
  return codes.map((c) => errorText({ ...c, message: sentence })).join(' ');
}

/** Every call to the core goes through here: {ok:false} becomes a UiError with a translated message. */
export async function unwrap<T>(pending: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await pending;
  } catch {
    throw new UiError('app.unreachable', i18n.global.t('errors.app.unreachable'));
  }
  if (result.ok) return result.value;
  throw new UiError(result.error.code, errorText(result.error), result.error.params ?? {});
}

/** The text to show for anything thrown while talking to the core. */
export function messageOf(err: unknown): string {
  if (err instanceof UiError) return err.message;
  return i18n.global.t('errors.internal');
}
