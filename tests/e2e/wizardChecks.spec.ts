import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { DateTime } from 'luxon';
import { makeTempDir } from '../support/tmp.js';
import { expect, test } from './fixtures.js';
import { addApprovedTemplate, addRecording, addRoster, call, useTwilio } from './coreSetup.js';

/** The wizard's guidance (docs/DOMAIN.md "Night"), the roster import preview, and deletion refused before the Confirm. */
async function pick(page: Page, selectTestId: string, option: string): Promise<void> {
  await page.getByTestId(selectTestId).click();
  await page.getByRole('option', { name: option }).click();
}

const tmp = makeTempDir('autocall-wizard-e2e-');
test.afterAll(() => tmp.cleanup());

test('the wizard says why Continue is disabled, warns of a night start or window, and asks before closing', async ({ app, bridge }) => {
  const { page } = app;
  await addRecording(bridge.core, 'Promotion Campaign');
  await addRoster(bridge.core, tmp.dir, ['+6281234560011', '+6281234560022']);
  await page.getByTestId('task-add').click();

  await expect(page.getByTestId('wizard-next')).toBeDisabled();
  await expect(page.getByTestId('wizard-continue-reason')).toHaveText('Enter a task name.');
  await page.getByTestId('wizard-name').locator('input').fill('Promo @ night');
  await expect(page.getByTestId('wizard-continue-reason')).toContainText('not allowed');
  await page.getByTestId('wizard-name').locator('input').fill('Night Promotion');
  await expect(page.getByTestId('wizard-continue-reason')).toHaveCount(0);
  await page.getByTestId('wizard-next').click();
  await expect(page.getByTestId('wizard-continue-reason')).toHaveText('Choose a recording.');
  await pick(page, 'wizard-recording', 'Promotion Campaign');
  await page.getByTestId('wizard-next').click();
  await expect(page.getByTestId('wizard-continue-reason')).toHaveText('Choose a roster.');
  await pick(page, 'wizard-roster', 'Promotion_List_202601.csv');

  // A start at 23:00 WIB tomorrow, typed as the rest of the app writes dates.
  await page.getByTestId('wizard-start-scheduled').locator('input').check();
  const tomorrow = DateTime.now().setZone('Asia/Jakarta').plus({ days: 1 }).toFormat('yyyy-MM-dd');
  await expect(page.getByTestId('wizard-date').locator('input')).toHaveValue(/^\d{4}-\d\d-\d\d$/);
  await page.getByTestId('wizard-date').locator('input').fill(tomorrow);
  await page.getByTestId('wizard-time').locator('input').fill('23:00');
  await expect(page.getByTestId('wizard-night-warning')).toHaveCount(1);
  await expect(page.getByTestId('wizard-night-warning')).toContainText('The start time 23:00 WIB is at night (21:00–08:00 WIB)');
  await page.getByTestId('wizard-time').locator('input').fill('10:00');
  await expect(page.getByTestId('wizard-night-warning')).toHaveCount(0);
  // The calling window is on by default, 08:00-20:00 WIB; stretched to 22:00 it reaches into the night.
  await page.getByTestId('wizard-advanced').click();
  await expect(page.getByTestId('wizard-window-start').locator('input')).toHaveValue('08:00');
  await expect(page.getByTestId('wizard-window-end').locator('input')).toHaveValue('20:00');
  await page.getByTestId('wizard-window-end').locator('input').fill('22:00');
  await expect(page.getByTestId('wizard-night-warning')).toContainText('calling window reaches into the night');
  await page.getByTestId('wizard-next').click();
  await expect(page.getByTestId('summary-start')).toHaveText(`${tomorrow} 10:00 WIB`);
  await expect(page.getByTestId('summary-night-warning')).toBeVisible();
  await expect(page.getByTestId('summary-window')).toHaveText('08:00–22:00 WIB');
  await expect(page.getByTestId('summary-estimate')).toContainText('channels');

  await page.getByTestId('wizard-close').click();
  await expect(page.getByTestId('wizard-close-confirm')).toBeVisible();
  await page.getByTestId('wizard-close-keep').click();
  await expect(page.getByTestId('task-wizard')).toBeVisible();
  await page.getByTestId('wizard-close').click();
  await page.getByTestId('wizard-close-discard').click();
  await expect(page.getByTestId('task-wizard')).toHaveCount(0);
  expect(app.consoleErrors).toEqual([]);
});

test('the SMS preview steps through the roster rows, and the test SMS goes to the dry run', async ({ app, bridge }) => {
  const { page } = app;
  await addRecording(bridge.core, 'Promotion Campaign');
  await addRoster(bridge.core, tmp.dir, ['+6281234560011', '+6281234560022', '+6281234560033']);
  await useTwilio(bridge.core, 'http://127.0.0.1:9');
  await addApprovedTemplate(bridge.core, 'Thanks', 'Terima kasih {Nama}');
  await page.getByTestId('task-add').click();
  await page.getByTestId('wizard-name').locator('input').fill('Preview Check');
  await page.getByTestId('wizard-next').click();
  await pick(page, 'wizard-recording', 'Promotion Campaign');
  await page.getByTestId('wizard-next').click();
  await pick(page, 'wizard-roster', 'Promotion_List_202601.csv');
  await page.getByTestId('wizard-sms-disconnect-on').locator('input').check();
  await pick(page, 'wizard-sms-disconnect-template', 'Thanks');
  await expect(page.getByTestId('wizard-sms-disconnect-preview')).toContainText('Terima kasih Pelanggan 1');
  await page.getByTestId('wizard-preview-next').click();
  await expect(page.getByTestId('wizard-preview-row')).toHaveText('Preview with row 3 (2 of 3)');
  await expect(page.getByTestId('wizard-sms-disconnect-preview')).toContainText('Terima kasih Pelanggan 2');
  await page.getByTestId('wizard-test').click();
  await page.getByTestId('wizard-test-to').locator('input').fill('0856 7777 8888');
  await page.getByTestId('wizard-test-sms').click();
  await expect(page.getByTestId('wizard-test-sms-result')).toContainText('Dry run: this SMS was not sent');
  await expect(page.getByTestId('wizard-test-sms-result')).toContainText('+6285677778888: “Terima kasih Pelanggan 2”');
  await page.getByTestId('wizard-next').click();
  await expect(page.getByTestId('summary-sms-parts')).toHaveText('Thanks: 1 part(s) per message (GSM-7) for the previewed row');
});

test('deleting a recording, roster or template a task uses is refused before the Confirm, naming the task', async ({ app, bridge }) => {
  const { page } = app;
  const recordingId = await addRecording(bridge.core, 'Promotion Campaign');
  const rosterId = await addRoster(bridge.core, tmp.dir, ['+6281234560011']);
  await call(bridge.core, 'task.create', { name: 'January 2026 Promotion', recordingId, rosterId, start: { mode: 'scheduled', at: '2099-01-05 09:00' } });

  for (const [path, testid, text] of [
    ['/recordings', 'recording-delete', 'The recording “Promotion Campaign” cannot be deleted: the task “January 2026 Promotion” uses it'],
    ['/rosters', 'roster-delete', 'The roster “Promotion_List_202601.csv” cannot be deleted: the task “January 2026 Promotion” uses it'],
  ] as const) {
    await app.goto(path);
    await page.getByTestId(testid).first().click();
    await expect(page.getByTestId('confirm-blocked')).toContainText(text);
    await expect(page.getByTestId('confirm-ok')).toHaveCount(0);
    await page.getByTestId('confirm-cancel').click();
  }
  expect((await call(bridge.core, 'recording.list', {})).length).toBe(1);
});

test('the roster preview lists unusable rows first, names the row a duplicate repeats, flags landlines and foreign numbers, and reads the file again with another phone column', async ({ app }) => {
  const { page } = app;
  const file = join(tmp.dir, 'Mixed_List.csv');
  writeFileSync(file, 'Nama,Nomor HP,Kantor\nBudi,0812-3456-7890,021-5550-1234\nSari,021-5550-1234,0812-1111-2222\nAndi,+62 812 3456 7890,\nEko,+65 6123 4567,\n');
  await app.goto('/rosters');
  await page.getByTestId('roster-import-input').setInputFiles(file);
  const preview = page.getByTestId('roster-preview');
  await expect(preview).toBeVisible();
  await expect(page.getByTestId('roster-issue-reason')).toHaveText(['Same number as row 2']);
  await expect(page.getByTestId('roster-flag-landline')).toHaveText(['Landline: can be called, cannot receive SMS']);
  await expect(page.getByTestId('roster-flag-foreign')).toHaveText(['Foreign number (SG): charged as an international call']);
  // Unusable rows come before the numbers to check, which come before the first rows.
  const order = await preview.evaluate((el) =>
    ['roster-preview-issues', 'roster-preview-flags', 'roster-preview-sample'].map((id) => el.querySelector(`[data-testid="${id}"]`)!.getBoundingClientRect().top),
  );
  expect(order).toEqual([...order].sort((a, b) => a - b));

  await page.getByTestId('roster-preview-download').click();
  await expect(page.getByTestId('roster-preview-notice')).toContainText('1 rows saved to');

  await pick(page, 'roster-preview-column', 'Kantor');
  await expect(page.getByTestId('roster-preview')).toContainText('phone column "Kantor"');
  await expect(page.getByTestId('roster-preview-valid')).toContainText('2');
  await expect(page.getByTestId('roster-issue-reason')).toHaveText(['No phone number', 'No phone number']);
});
