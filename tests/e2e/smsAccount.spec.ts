import { TWILIO_TEST } from '../support/smsProviderServer.js';
import { expect, screenshot, test } from './fixtures.js';

test('configure a Twilio account on the local provider server and send a test SMS', async ({ app, sms }) => {
  const { page } = app;
  await app.goto('/settings?tab=sms');
  await expect(page.getByTestId('sms-test-send')).toBeDisabled();

  // Twilio is the first provider; its base URL points at the local server speaking Twilio's API.
  await page.getByTestId('sms-field-baseUrl').locator('input').fill(sms.baseUrl);
  await page.getByTestId('sms-field-accountSid').locator('input').fill(TWILIO_TEST.accountSid);
  await page.getByTestId('sms-field-from').locator('input').fill(TWILIO_TEST.from);
  await page.getByTestId('sms-secret-authToken').locator('input').fill(TWILIO_TEST.authToken);
  await page.getByTestId('sms-save').click();
  await expect(page.getByTestId('sms-saved')).toBeVisible();
  // The secret is never sent back: the field is empty again and says it is saved.
  await expect(page.getByTestId('sms-secret-authToken').locator('input')).toHaveValue('');
  await expect(page.getByTestId('sms-secret-authToken')).toContainText('Saved');

  const before = sms.messages.length;
  await page.getByTestId('sms-test-to').locator('input').fill('0812-3456-7890');
  await page.getByTestId('sms-test-text').locator('input').fill('Tes dari AutoCall');
  await page.getByTestId('sms-test-send').click();
  const result = page.getByTestId('sms-test-result');
  await expect(result).toContainText('accepted the message');
  await expect(page.getByTestId('sms-test-message-id')).not.toHaveText('—');
  await screenshot(page, 'settings');

  expect(sms.messages.length).toBe(before + 1);
  expect(JSON.stringify(sms.messages.at(-1))).toContain('Tes dari AutoCall');

  // After a reload the account is still there, with the secret kept and not shown.
  await page.reload();
  await expect(page.getByTestId('sms-field-accountSid').locator('input')).toHaveValue(TWILIO_TEST.accountSid);
  await expect(page.getByTestId('sms-secret-authToken')).toContainText('Saved');
  expect(app.consoleErrors).toEqual([]);
});

test('a wrong credential shows the provider’s refusal as a clear message', async ({ app, sms }) => {
  const { page } = app;
  await app.goto('/settings?tab=sms');
  await page.getByTestId('sms-field-baseUrl').locator('input').fill(sms.baseUrl);
  await page.getByTestId('sms-field-accountSid').locator('input').fill(TWILIO_TEST.accountSid);
  await page.getByTestId('sms-field-from').locator('input').fill(TWILIO_TEST.from);
  await page.getByTestId('sms-secret-authToken').locator('input').fill('wrong-token');
  await page.getByTestId('sms-save').click();
  await expect(page.getByTestId('sms-saved')).toBeVisible();
  await page.getByTestId('sms-test-to').locator('input').fill('+6281234567890');
  await page.getByTestId('sms-test-send').click();
  await expect(page.getByTestId('sms-test-error').or(page.getByTestId('sms-test-result'))).toBeVisible();
  await expect(page.getByTestId('sms-test-result')).toHaveCount(0);
});

test('a setting left empty is named as the form names it, with the provider’s name, in the chosen language', async ({ app }) => {
  const { page } = app;
  await app.goto('/settings?tab=sms');
  // Twilio with only its default base URL: the core refuses the first required setting left empty.
  await page.getByTestId('sms-save').click();
  await expect(page.getByTestId('sms-save-error')).toHaveText(
    'The setting "Account SID" of the Twilio account is empty. Fill it in; every provider’s credentials are on its dashboard.',
  );

  await page.getByTestId('locale-menu').click();
  await page.getByTestId('locale-zh').click();
  await page.getByTestId('sms-save').click();
  await expect(page.getByTestId('sms-save-error')).toContainText('Twilio 账户的设置项“账户 SID”为空');
  expect(app.consoleErrors).toEqual([]);
});
