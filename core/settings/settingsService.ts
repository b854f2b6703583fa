import type { Locale } from '../../shared/contract/schemas.js';
import { LOCALES, THEMES } from '../../shared/contract/schemas.js';

type Theme = (typeof THEMES)[number];
import type { Db } from '../db/database.js';

/** Small user preferences kept as JSON values in the settings table. */
export class SettingsService {
  constructor(private readonly db: Db) {}

  private read<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  private write(key: string, value: unknown): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  locale(): Locale {
    const stored = this.read<string>('locale');
    return (LOCALES as readonly string[]).includes(stored ?? '') ? (stored as Locale) : 'en';
  }

  /** Whether the user ever chose a language; until then the renderer follows the system's. */
  localeChosen(): boolean {
    return this.read<string>('locale') !== undefined;
  }

  theme(): Theme {
    const stored = this.read<string>('theme');
    return (THEMES as readonly string[]).includes(stored ?? '') ? (stored as Theme) : 'system';
  }

  setTheme(theme: Theme): void {
    this.write('theme', theme);
  }

  setLocale(locale: Locale): void {
    this.write('locale', locale);
  }

  startAtLogin(): boolean {
    return this.read<boolean>('startAtLogin') ?? false;
  }

  setStartAtLogin(enabled: boolean): void {
    this.write('startAtLogin', enabled);
  }
}
