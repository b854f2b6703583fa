import { expect, screenshot, test } from './fixtures.js';

/**
 * Issue 11: plain http to an SMS gateway off this computer needs the
 * visible "Allow insecure http" setting, which warns; a metadata address is
 * refused whatever the setting.
 */
test('a GoIP gateway on the LAN over http needs "Allow insecure http", which warns', async ({ app }) => {
  const { page } = app;
  await app.goto('/settings?tab=sms');
  await page.getByTestId('sms-provider').click();
  await page.getByRole('option', { name: /Generic HTTP gateway/ }).click();
  await page.getByTestId('sms-field-urlTemplate').locator('input').fill('http://192.168.1.10/default/en_US/send.html?u={username}&p={password}&l=1&n={to}&m={message}');
  await page.getByTestId('sms-secret-password').locator('input').fill('goip-pass');
  await expect(page.getByTestId('sms-insecure-warning')).toHaveCount(0);

  await page.getByTestId('sms-save').click();
  await expect(page.getByTestId('sms-save-error')).toContainText('plain http:// to 192.168.1.10');
  await expect(page.getByTestId('sms-save-error')).toContainText('Allow insecure http');

  await page.getByTestId('sms-allow-insecure-http').locator('input').check();
  await expect(page.getByTestId('sms-insecure-warning')).toContainText('unencrypted');
  await page.getByTestId('sms-save').click();
  await expect(page.getByTestId('sms-saved')).toBeVisible();
  await screenshot(page, 'sms-insecure-http');

  // The cloud metadata address in its decimal spelling: refused even with the setting on.
  await page.getByTestId('sms-field-urlTemplate').locator('input').fill('http://2852039166/latest/meta-data?n={to}&m={message}');
  await page.getByTestId('sms-save').click();
  await expect(page.getByTestId('sms-save-error')).toContainText('link-local or cloud-metadata');
});
