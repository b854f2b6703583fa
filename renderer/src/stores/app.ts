import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo } from '../../../shared/types.js';
import { autocall, messageOf, unwrap } from '../api/call.js';
import { i18n, isAppLocale, type AppLocale } from '../i18n/index.js';
import { vuetify, vuetifyLocaleFor } from '../plugins/vuetify.js';

/** The app-wide state: what app.info says and the language, which is kept by the core (settings.setLocale). */
export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const startError = ref<string | null>(null);
  /** When the desktop app last had to start its core process again (main's app.coreRestarted), until the user closes the notice. */
  const coreRestartedAt = ref<number | null>(null);
  let stopRestartEvents: (() => void) | undefined;

  function apply(locale: AppLocale): void {
    i18n.global.locale.value = locale;
    vuetify.locale.current.value = vuetifyLocaleFor(locale);
    document.documentElement.lang = locale === 'zh' ? 'zh-CN' : locale;
  }

  async function start(): Promise<void> {
    stopRestartEvents ??= autocall().subscribe('app.coreRestarted', ({ at }) => (coreRestartedAt.value = at));
    try {
      info.value = await unwrap(autocall().app.info({}));
      if (isAppLocale(info.value.locale)) apply(info.value.locale);
    } catch (err) {
      startError.value = messageOf(err);
    }
  }

  async function setLocale(locale: AppLocale): Promise<void> {
    apply(locale);
    await unwrap(autocall().settings.setLocale({ locale }));
    if (info.value) info.value = { ...info.value, locale };
  }

  return { info, startError, coreRestartedAt, start, setLocale };
});
