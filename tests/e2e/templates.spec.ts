import { expect, screenshot, test } from './fixtures.js';

test('create a template with a live counter, approve it, edit it back to pending, reject it', async ({ app }) => {
  const { page } = app;
  await app.goto('/templates');
  await page.getByTestId('template-new').click();
  const dialog = page.getByTestId('template-dialog');
  await dialog.getByTestId('template-name').locator('input').fill('Terima kasih');
  const body = dialog.getByTestId('template-body').locator('textarea');

  await body.fill('Halo, terima kasih.');
  await expect(dialog.getByTestId('sms-encoding')).toHaveText('GSM-7');
  await expect(dialog.getByTestId('sms-units')).toHaveText('19 characters');
  await expect(dialog.getByTestId('sms-parts')).toHaveText('1 SMS');
  await expect(dialog.getByTestId('sms-remaining')).toContainText('141 left');
  await expect(dialog.getByTestId('sms-placeholder')).toHaveCount(0);

  // An extended GSM character counts two (docs/DOMAIN.md): 19 characters, 20 units.
  await body.fill('Diskon 10€ hari ini');
  await expect(dialog.getByTestId('sms-encoding')).toHaveText('GSM-7');
  await expect(dialog.getByTestId('sms-units')).toHaveText('20 characters');

  // One Chinese character makes the whole message UCS-2: 70 per single part.
  await body.fill('Halo {name}, 谢谢您的支持！');
  await expect(dialog.getByTestId('sms-encoding')).toHaveText('UCS-2');
  await expect(dialog.getByTestId('sms-units')).toHaveText('20 characters');
  await expect(dialog.getByTestId('sms-remaining')).toContainText('50 left');
  await expect(dialog.getByTestId('sms-placeholder')).toHaveText(['name']);
  await screenshot(page, 'template-dialog');

  await dialog.getByTestId('template-save').click();
  await expect(dialog).toHaveCount(0);
  const row = page.getByTestId('template-table').locator('tbody tr').first();
  await expect(row.getByTestId('template-row-name')).toHaveText('Terima kasih');
  await expect(row.getByTestId('template-status')).toHaveText('Pending');

  await row.getByTestId('template-approve').click();
  await expect(row.getByTestId('template-status')).toHaveText('Approved');
  await screenshot(page, 'templates');

  // Changing an approved template's text sends it back to pending (the core does it; the dialog says so).
  await row.getByTestId('template-edit').click();
  await expect(page.getByTestId('template-back-to-pending')).toHaveCount(0);
  const editBody = page.getByTestId('template-body').locator('textarea');
  // The dialog fills in the saved text as it opens; typing before that would be overwritten.
  await expect(editBody).toHaveValue('Halo {name}, 谢谢您的支持！');
  await editBody.fill('Halo {name}, sampai jumpa.');
  await expect(page.getByTestId('template-back-to-pending')).toBeVisible();
  await page.getByTestId('template-save').click();
  await expect(row.getByTestId('template-status')).toHaveText('Pending');

  await row.getByTestId('template-reject').click();
  await page.getByTestId('prompt-input').locator('textarea').fill('Terlalu panjang');
  await page.getByTestId('prompt-submit').click();
  await expect(row.getByTestId('template-status')).toHaveText('Rejected');
  await expect(row.getByTestId('template-reason')).toContainText('Terlalu panjang');
  expect(app.consoleErrors).toEqual([]);
});
