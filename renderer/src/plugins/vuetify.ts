import { createVuetify } from 'vuetify';
import { aliases, mdi } from 'vuetify/iconsets/mdi';
import { en, id, zhHans } from 'vuetify/locale';

/**
 * Icons come from @mdi/font bundled with the app (no CDN: the CSP allows
 * fonts from 'self' only). Vuetify's own strings (table footers, "No data")
 * follow the app's language through its locale messages.
 */
export const vuetify = createVuetify({
  icons: { defaultSet: 'mdi', aliases, sets: { mdi } },
  locale: { locale: 'en', fallback: 'en', messages: { en, id, zhHans } },
  theme: {
    // Follows the system's light or dark mode until the user picks one in Settings > App (stores/app.ts).
    defaultTheme: 'system',
  },
});

export function vuetifyLocaleFor(locale: string): string {
  return locale === 'zh' ? 'zhHans' : locale === 'id' ? 'id' : 'en';
}
