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
