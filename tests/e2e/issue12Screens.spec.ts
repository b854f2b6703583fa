import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { DateTime } from 'luxon';
import { makeTempDir } from '../support/tmp.js';
import { addApprovedTemplate, addRecording, addRoster, call } from './coreSetup.js';
import { expect, test } from './fixtures.js';
import { LOCALES, shot, SIZES } from './screens.js';

/**
 * The pages and dialogs issue 12 put on shared parts (FormDialog,
 * ConfirmDialog/DeleteDialog, TextPromptDialog, ColumnChoiceDialog,
 * ItemTable, PagedTable, SettingsCard) in en, id and zh at 1366x860 and
 * 1024x640, saved under test-results/screens/issue12-* to be looked at; each
 * checks that nothing is wider than the window or its dialog.
 */
const TASK = 'January 2026 Promotion';

async function openDialog(page: Page, button: string, dialog: string): Promise<void> {
  await page.getByTestId(button).first().click();
  await expect(page.getByTestId(dialog)).toBeVisible();
}

async function closeDialog(page: Page, cancel: string, dialog: string): Promise<void> {
  await page.getByTestId(cancel).click();
  await expect(page.getByTestId(dialog)).toHaveCount(0);
}

for (const locale of LOCALES) {
  test(`issue 12 screens in ${locale}`, async ({ app, bridge }) => {
    test.setTimeout(300_000);
    const { page } = app;
    const core = bridge.core;
    const tmp = makeTempDir();
    try {
      const recordingId = await addRecording(core, 'Promotion Campaign');
      const rosterId = await addRoster(core, tmp.dir, ['+6281234560011', '+6281234560022', '+6281234560033']);
      await addApprovedTemplate(core, 'Thanks', 'Terima kasih {Nama}, sampai jumpa lagi!');
      const tomorrow = DateTime.now().setZone('Asia/Jakarta').plus({ days: 1 }).toFormat('yyyy-MM-dd');
      // A scheduled task uses the recording and the roster, so deleting them is refused in the dialog.
      await call(core, 'task.create', { name: TASK, recordingId, rosterId, start: { mode: 'scheduled', at: `${tomorrow} 10:00` } });
      await call(core, 'settings.setLocale', { locale });
      const noPhoneHeader = join(tmp.dir, 'Customers.csv');
      writeFileSync(noPhoneHeader, 'Nama;Keterangan\nBudi;0812-3456-7890\nSari;0813-1111-2222\n');

      for (const size of SIZES) {
        const tag = `issue12-${locale}-${size.width}x${size.height}`;
        await page.setViewportSize(size);

        await app.goto('/recordings');
        await page.reload();
        await expect(page.getByTestId('recording-name')).toHaveText('Promotion Campaign');
        await shot(page, `${tag}-recordings`);
        await openDialog(page, 'recording-rename', 'prompt-dialog');
        await expect(page.getByTestId('prompt-input').locator('input')).toHaveValue('Promotion Campaign');
        await shot(page, `${tag}-recording-rename`, false);
        await closeDialog(page, 'prompt-cancel', 'prompt-dialog');
        await openDialog(page, 'recording-delete', 'confirm-dialog');
        await expect(page.getByTestId('confirm-blocked')).toContainText(TASK);
        await expect(page.getByTestId('confirm-ok')).toHaveCount(0);
        await shot(page, `${tag}-recording-delete-refused`, false);
        await closeDialog(page, 'confirm-cancel', 'confirm-dialog');

        await app.goto('/rosters');
        await expect(page.getByTestId('roster-name')).toHaveCount(1);
        await shot(page, `${tag}-rosters`);
        await page.getByTestId('roster-import-input').setInputFiles(noPhoneHeader);
        await expect(page.getByTestId('roster-column-dialog')).toBeVisible();
        await expect(page.getByTestId('roster-column-continue')).toBeDisabled();
        await shot(page, `${tag}-roster-column`, false);
        await closeDialog(page, 'roster-column-cancel', 'roster-column-dialog');
        await openDialog(page, 'roster-delete', 'confirm-dialog');
        await expect(page.getByTestId('confirm-blocked')).toContainText(TASK);
        await shot(page, `${tag}-roster-delete-refused`, false);
        await closeDialog(page, 'confirm-cancel', 'confirm-dialog');
        await app.goto(`/rosters/${rosterId}`);
        await expect(page.getByTestId('roster-entries').locator('tbody tr')).toHaveCount(3);
        await shot(page, `${tag}-roster-detail`);

        await app.goto('/templates');
        await expect(page.getByTestId('template-row-name')).toHaveText('Thanks');
        await shot(page, `${tag}-templates`);
        await openDialog(page, 'template-new', 'template-dialog');
        await page.getByTestId('template-body').locator('textarea').fill('Halo {Nama}, 谢谢 — promo Januari');
        await shot(page, `${tag}-template-new`, false);
        await closeDialog(page, 'template-cancel', 'template-dialog');
        await openDialog(page, 'template-reject', 'prompt-dialog');
        await shot(page, `${tag}-template-reject`, false);
        await closeDialog(page, 'prompt-cancel', 'prompt-dialog');

        await app.goto('/do-not-call');
        await openDialog(page, 'dnc-add', 'dnc-add-dialog');
        await page.getByTestId('dnc-add-phone').locator('input').fill('12');
        await page.getByTestId('dnc-add-save').click();
        await expect(page.getByTestId('dnc-add-error')).toBeVisible();
        await shot(page, `${tag}-dnc-add-refused`, false);
        await closeDialog(page, 'dnc-add-cancel', 'dnc-add-dialog');

        await app.goto('/scheduler');
        await page.getByTestId('task-actions').click();
        await page.getByTestId('task-edit').click();
        await expect(page.getByTestId('task-rename-dialog')).toBeVisible();
        await page.getByTestId('task-rename-input').locator('input').fill(`${TASK} #1`);
        await expect(page.getByTestId('task-rename-confirm')).toBeDisabled();
        await shot(page, `${tag}-task-rename-rule`, false);
        await closeDialog(page, 'task-rename-cancel', 'task-rename-dialog');
        await page.getByTestId('task-actions').click();
        await page.getByTestId('task-pause').click();
        await expect(page.getByTestId('confirm-dialog')).toContainText(TASK);
        await shot(page, `${tag}-task-pause`, false);
        await closeDialog(page, 'confirm-cancel', 'confirm-dialog');

        await app.goto('/settings?tab=gateway');
        await page.getByTestId('gateway-host').locator('input').fill('192.0.2.10');
        await expect(page.getByTestId('gateway-test-blocked')).toBeVisible();
        await expect(page.getByTestId('gateway-call-blocked')).toBeVisible();
        await shot(page, `${tag}-settings-gateway-unsaved`);
      }
      expect(app.consoleErrors).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });
}
