import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { DateTime } from 'luxon';
import { makeTempDir } from '../support/tmp.js';
import { expect, test } from './fixtures.js';
import { addRecording, addRoster, call } from './coreSetup.js';

/**
 * The wizard checks the send settings with the schema the contract and the
 * core use (shared/tasks/taskSchema.ts) and shows each problem on its own
 * field, translated: the same sentence the core would answer on Submit.
 * Screenshots of that step in en, id and zh at 1366x860 and 1024x640 go to
 * test-results/screens/ to be looked at.
 */
const SCREENS = join(process.cwd(), 'test-results', 'screens');
const SIZES = [
  { width: 1366, height: 860 },
  { width: 1024, height: 640 },
] as const;

const tmp = makeTempDir('autocall-wizard-schema-e2e-');
test.afterAll(() => tmp.cleanup());

async function pick(page: Page, selectTestId: string, option: string): Promise<void> {
  await page.getByTestId(selectTestId).click();
  await page.getByRole('option', { name: option }).click();
}

const input = (page: Page, testId: string) => page.getByTestId(testId).locator('input');
/** The messages Vuetify shows under a field. */
// A hint that gives way to a problem slides out for a moment beside it (Vuetify's leave transition): read only the message that stays.
const fieldMessage = (page: Page, testId: string) => page.getByTestId(testId).locator('.v-messages__message:not([class*="-leave-"])');

/** Up to step 3 with a roster chosen, a start on 30 February, 11 attempts and a calling window of no length. */
async function wrongSendSettings(page: Page): Promise<void> {
  await page.getByTestId('task-add').click();
  await input(page, 'wizard-name').fill('January 2026 Promotion');
  await page.getByTestId('wizard-next').click();
  await pick(page, 'wizard-recording', 'Promotion Campaign');
  await page.getByTestId('wizard-next').click();
  await pick(page, 'wizard-roster', 'Promotion_List_202601.csv');
  await page.getByTestId('wizard-start-scheduled').locator('input').check();
  await input(page, 'wizard-date').fill('2027-02-30');
  await input(page, 'wizard-time').fill('10:00');
  await page.getByTestId('wizard-advanced').click();
  await input(page, 'wizard-attempts').fill('11');
  await input(page, 'wizard-window-start').fill('08:00');
  await input(page, 'wizard-window-end').fill('08:00');
}

test('the send settings show the shared schema’s problems on their fields, and Continue waits for them', async ({ app, bridge }) => {
  const { page } = app;
  await addRecording(bridge.core, 'Promotion Campaign');
  await addRoster(bridge.core, tmp.dir, ['+6281234560011', '+6281234560022']);
  await wrongSendSettings(page);

  await expect(page.getByTestId('wizard-start-error')).toHaveText('The start date 2027-02-30 does not exist: that month has 28 days. Correct the date.');
  await expect(page.getByTestId('wizard-date')).toHaveClass(/v-input--error/);
  await expect(page.getByTestId('wizard-time')).not.toHaveClass(/v-input--error/);
  await expect(fieldMessage(page, 'wizard-attempts')).toHaveText('Attempts per number must be between 1 and 10.');
  await expect(fieldMessage(page, 'wizard-window-end')).toHaveText('The calling window needs a start and an end time (WIB), and they must differ.');
  await expect(page.getByTestId('wizard-continue-reason')).toHaveText('The start date 2027-02-30 does not exist: that month has 28 days. Correct the date.');
  await expect(page.getByTestId('wizard-next')).toBeDisabled();

  // Retries need minutes between attempts: 1 to 1440, the bound the core keeps too.
  await input(page, 'wizard-attempts').fill('3');
  // The old message slides out while the next slides in: wait for it to go.
  await expect(page.getByTestId('wizard-attempts')).not.toContainText('Attempts per number must be');
  await expect(fieldMessage(page, 'wizard-attempts')).toHaveText('1 means no retry. Busy, no answer, powered off and failed calls are retried.');
  const interval = page.getByTestId('wizard-retry-interval');
  for (const minutes of ['0', '1441', '1.5']) {
    await input(page, 'wizard-retry-interval').fill(minutes);
    await expect(interval).toContainText('The retry interval must be between 1 and 1440 minutes.');
  }
  await input(page, 'wizard-retry-interval').fill('1440');
  await expect(interval).not.toContainText('The retry interval must be');

  const tomorrow = DateTime.now().setZone('Asia/Jakarta').plus({ days: 1 }).toFormat('yyyy-MM-dd');
  await input(page, 'wizard-date').fill(tomorrow);
  await expect(page.getByTestId('wizard-start-error')).toHaveCount(0);
  await expect(page.getByTestId('wizard-continue-reason')).toHaveText('The calling window needs a start and an end time (WIB), and they must differ.');
  await input(page, 'wizard-window-end').fill('20:00');
  await expect(page.getByTestId('wizard-continue-reason')).toHaveCount(0);
  await page.getByTestId('wizard-next').click();
  await expect(page.getByTestId('summary-start')).toHaveText(`${tomorrow} 10:00 WIB`);
  await page.getByTestId('wizard-submit').click();
  await expect(page.getByTestId('task-wizard')).toHaveCount(0);
  const tasks = await call(bridge.core, 'task.list', {});
  expect(tasks.items[0]).toMatchObject({ name: 'January 2026 Promotion', maxAttempts: 3, retryIntervalMinutes: 1440, callingWindow: { start: '08:00', end: '20:00' } });
  expect(app.consoleErrors).toEqual([]);
});

for (const locale of ['en', 'id', 'zh'] as const) {
  test(`the schema's problems on the send settings, translated (${locale}), at 1366x860 and 1024x640`, async ({ app, bridge }) => {
    const { page } = app;
    await addRecording(bridge.core, 'Promotion Campaign');
    await addRoster(bridge.core, tmp.dir, ['+6281234560011', '+6281234560022']);
    await call(bridge.core, 'settings.setLocale', { locale });
    mkdirSync(SCREENS, { recursive: true });
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.reload();
      await expect(page.getByTestId('task-table')).toBeVisible();
      await wrongSendSettings(page);
      await input(page, 'wizard-attempts').fill('3');
      await input(page, 'wizard-retry-interval').fill('0');
      const messages = [page.getByTestId('wizard-start-error'), fieldMessage(page, 'wizard-retry-interval'), fieldMessage(page, 'wizard-window-end')];
      for (const message of messages) {
        await expect(message).toBeVisible();
        // Translated with its values, never a key or a placeholder.
        await expect(message).not.toHaveText(/errors\.|\{/);
      }
      if (locale !== 'en') await expect(fieldMessage(page, 'wizard-retry-interval')).not.toHaveText('The retry interval must be between 1 and 1440 minutes.');
      await page.getByTestId('wizard-window-end').scrollIntoViewIfNeeded();
      await page.waitForTimeout(350);
      await page.screenshot({ path: join(SCREENS, `wizard-schema-${locale}-${size.width}x${size.height}.png`) });
      await page.getByTestId('wizard-close').click();
      await page.getByTestId('wizard-close-discard').click();
      await expect(page.getByTestId('task-wizard')).toHaveCount(0);
    }
    expect(app.consoleErrors).toEqual([]);
  });
}
