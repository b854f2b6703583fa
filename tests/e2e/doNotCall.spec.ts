import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { makeTempDir } from '../support/tmp.js';
import { expect, screenshot, test } from './fixtures.js';
import { addRecording, addRoster, call } from './coreSetup.js';

/**
 * The do-not-call list end to end (docs/DOMAIN.md "Do-not-call list"):
 * numbers put on the list on its page are skipped by a dry-run task, shown
 * as "Do not call" and counted apart, and never reach the gateway (the dry
 * run's journal records every call it would have placed).
 */
const ROSTER = ['+6281234560011', '+6281234560022', '+6281234560033', '+6281234560044', '+6281234560050'];

async function pick(page: Page, selectTestId: string, option: string): Promise<void> {
  await page.getByTestId(selectTestId).click();
  await page.getByRole('option', { name: option }).click();
}

const tmp = makeTempDir('autocall-dnc-e2e-');
const journal = join(tmp.dir, 'journal.txt');
test.afterAll(() => tmp.cleanup());

test.describe('a dry-run task skips the do-not-call list', () => {
  test.use({ bridgeOptions: { startEngine: true, engine: { tickMs: 50 }, dryRun: { callMs: 0, journal, mix: { answered: 1 } } } });

  test('numbers added by hand and by file are never dialled, and are counted as do not call', async ({ app, bridge }) => {
    const { page } = app;
    writeFileSync(journal, '');
    await addRecording(bridge.core, 'Promotion Campaign');
    await addRoster(bridge.core, tmp.dir, ROSTER);

    await app.goto('/do-not-call');
    await expect(page.getByTestId('dnc-table')).toContainText('The do-not-call list is empty.');
    await page.getByTestId('dnc-add').click();
    await page.getByTestId('dnc-add-phone').locator('input').fill('0812-3456-0022');
    await page.getByTestId('dnc-add-note').locator('input').fill('asked on the phone');
    await page.getByTestId('dnc-add-save').click();
    await expect(page.getByTestId('dnc-notice')).toContainText('+6281234560022 was added');
    // The same number in another form is refused with a message, not added twice.
    await page.getByTestId('dnc-add').click();
    await page.getByTestId('dnc-add-phone').locator('input').fill('+62 812 3456 0022');
    await page.getByTestId('dnc-add-save').click();
    await expect(page.getByTestId('dnc-add-error')).toContainText('already on the do-not-call list');
    await page.keyboard.press('Escape');

    const file = join(tmp.dir, 'dnc.csv');
    writeFileSync(file, 'Nama,Nomor HP\nBudi,6281234560044\nAndi,12\n');
    await page.getByTestId('dnc-import-input').setInputFiles(file);
    await expect(page.getByTestId('dnc-notice')).toContainText('dnc.csv: 1 numbers added, 0 already on the list, 1 unusable rows.');
    await expect(page.getByTestId('dnc-import-issues')).toContainText('12');
    await expect(page.getByTestId('dnc-total')).toHaveText('2 numbers on the list');
    await page.getByTestId('dnc-search').locator('input').fill('0812 3456 0044');
    await expect(page.getByTestId('dnc-number')).toHaveText(['+6281234560044']);
    await page.getByTestId('dnc-search').locator('input').fill('');
    await expect(page.getByTestId('dnc-number')).toHaveCount(2);

    await app.goto('/scheduler');
    await page.getByTestId('task-add').click();
    await page.getByTestId('wizard-name').locator('input').fill('January 2026 Promotion');
    await page.getByTestId('wizard-next').click();
    await pick(page, 'wizard-recording', 'Promotion Campaign');
    await page.getByTestId('wizard-next').click();
    await pick(page, 'wizard-roster', 'Promotion_List_202601.csv');
    // No calling window: the test may run at any hour.
    await page.getByTestId('wizard-advanced').click();
    await page.getByTestId('wizard-window-on').locator('input').uncheck();
    await page.getByTestId('wizard-next').click();
    await expect(page.getByTestId('summary-dnc')).toHaveText('2 numbers of this roster are on the do-not-call list and will be skipped.');
    await page.getByTestId('wizard-submit').click();

    const row = page.getByTestId('task-table').locator('tbody tr').filter({ hasText: 'January 2026 Promotion' });
    await expect(row.getByTestId('task-dnc')).toHaveText('2 do not call', { timeout: 20_000 });
    await expect(row).toContainText('Completed');
    await expect(row.getByTestId('count-answered')).toHaveText('3');

    const called = readFileSync(journal, 'utf8').split('\n').filter((line) => line.startsWith('call '));
    expect(called.sort()).toEqual(['call +6281234560011', 'call +6281234560033', 'call +6281234560050']);

    const task = (await call(bridge.core, 'task.list', {})).items[0]!;
    await app.goto(`/scheduler/${task.id}`);
    await expect(page.getByTestId('task-detail-dnc')).toContainText('Do not call 2');
    expect(app.consoleErrors).toEqual([]);
  });
});
