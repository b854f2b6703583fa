import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect } from './fixtures.js';

/** Where screenshots to look at go (not committed). */
export const SCREENS = join(process.cwd(), 'test-results', 'screens');
/** The two window sizes the app is checked at: a common laptop and the smallest supported. */
export const SIZES = [
  { width: 1366, height: 860 },
  { width: 1024, height: 640 },
] as const;
export const LOCALES = ['en', 'id', 'zh'] as const;

/** No horizontal scrolling in the page, nor inside an open dialog. */
export async function expectNoOverflow(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const wide: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) wide.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
    for (const el of document.querySelectorAll<HTMLElement>('.v-overlay--active .v-card-text, .v-overlay--active .v-card-actions, .v-overlay--active .v-card-title')) {
      if (el.scrollWidth > el.clientWidth + 1) wide.push(`${el.className.split(' ')[0]} ${el.scrollWidth} > ${el.clientWidth}`);
    }
    return wide;
  });
  expect.soft(overflow, `${what} overflows`).toEqual([]);
}

/** Checks for overflow, lets transitions (dialogs, tabs) settle, then saves `<name>.png` under SCREENS. */
export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  await expectNoOverflow(page, name);
  await page.waitForTimeout(350);
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage });
}
