import { createI18n } from 'vue-i18n';
import { en, type Messages } from './en.js';
import { id } from './id.js';
import { zh } from './zh.js';

export const APP_LOCALES = ['en', 'id', 'zh'] as const;
export type AppLocale = (typeof APP_LOCALES)[number];

/** BCP 47 tags for Intl (number grouping: 1,234 in English and Chinese, 1.234 in Indonesian). */
export const INTL_TAGS: Record<AppLocale, string> = { en: 'en-US', id: 'id-ID', zh: 'zh-CN' };

export function isAppLocale(value: unknown): value is AppLocale {
  return typeof value === 'string' && (APP_LOCALES as readonly string[]).includes(value);
}

/**
 * The first of the system's preferred languages (navigator.languages, in
 * order) that the app speaks: "id-ID" and "in" (Java's old code) are
 * Indonesian, any "zh" Chinese, "en-*" English; null when none is.
 */
export function systemLocale(languages: readonly string[]): AppLocale | null {
  for (const tag of languages) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (primary === 'id' || primary === 'in') return 'id';
    if (primary === 'zh') return 'zh';
    if (primary === 'en') return 'en';
  }
  return null;
}

/**
 * Composition mode (legacy: false). Messages are compiled just in time,
 * which needs no eval and so keeps working under the CSP's script-src 'self'.
 */
export const i18n = createI18n<[Messages], AppLocale, false>({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en, id, zh },
  missingWarn: false,
  fallbackWarn: false,
});
