import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo } from '../../../shared/types.js';
import { autocall, messageOf, unwrap } from '../api/call.js';
import { i18n, isAppLocale, systemLocale, type AppLocale } from '../i18n/index.js';

type Theme = AppInfo['theme'];
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
      // Until the user picks a language, the app speaks the system's (navigator.languages), when it is one of ours.
      const locale = info.value.localeChosen ? info.value.locale : (systemLocale(navigator.languages) ?? info.value.locale);
      if (isAppLocale(locale)) apply(locale);
      applyTheme(info.value.theme);
    } catch (err) {
      startError.value = messageOf(err);
    }
  }

  /** 'system' follows the operating system's light or dark mode as it changes (Vuetify watches prefers-color-scheme). */
  function applyTheme(theme: Theme): void {
    void vuetify.theme.change(theme);
  }

  async function setTheme(theme: Theme): Promise<void> {
    applyTheme(theme);
    await unwrap(autocall().settings.setTheme({ theme }));
    if (info.value) info.value = { ...info.value, theme };
  }

  async function setLocale(locale: AppLocale): Promise<void> {
    apply(locale);
    await unwrap(autocall().settings.setLocale({ locale }));
    if (info.value) info.value = { ...info.value, locale, localeChosen: true };
  }

  return { info, startError, coreRestartedAt, start, setLocale, setTheme };
});
