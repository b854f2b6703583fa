import type { Page } from '@playwright/test';
import { join } from 'node:path';
import { openDatabase } from '../../core/db/database.js';
import { makeTempDir } from '../support/tmp.js';
import { addApprovedTemplate, addRecording, addRoster, call, useTwilio } from './coreSetup.js';
import { expect, screenshot, test } from './fixtures.js';
import { LOCALES, shot, SIZES } from './screens.js';

/**
 * Issue 10, the SMS side, end to end: a template's variables checked against
 * the roster before Submit, braces checked when a template is saved,
 * uncertain SMS sent again only after a warning, delivery reports on the
 * task page, and the providers that cannot report delivery named in Settings.
 */
async function pick(page: Page, selectTestId: string, option: string): Promise<void> {
  await page.getByTestId(selectTestId).click();
  await page.getByRole('option', { name: option }).click();
}

test('the wizard names the template variables the roster lacks, before Submit', async ({ app, bridge, sms }) => {
  const { page } = app;
  const tmp = makeTempDir();
  try {
    const core = bridge.core;
    await addRecording(core, 'Promotion Campaign');
    await addRoster(core, tmp.dir, ['+6281234560011', '+6281234560022']);
    await addApprovedTemplate(core, 'Kota', 'Halo {Nama} dari {Kota}');
    await addApprovedTemplate(core, 'Nama', 'Halo {nama}');
    await useTwilio(core, sms.baseUrl);

    await app.goto('/scheduler');
    await page.getByTestId('task-add').click();
    await page.getByTestId('wizard-name').locator('input').fill('January 2026 Promotion');
    await page.getByTestId('wizard-next').click();
    await pick(page, 'wizard-recording', 'Promotion Campaign');
    await page.getByTestId('wizard-next').click();
    await pick(page, 'wizard-roster', 'Promotion_List_202601');
    await page.getByTestId('wizard-sms-disconnect-on').locator('input').check();
    await pick(page, 'wizard-sms-disconnect-template', 'Kota');
    const error = page.getByTestId('wizard-sms-error');
    await expect(error).toContainText('uses {Kota}, but the roster "Promotion_List_202601.csv" has no such column');
    await expect(error).toContainText('Its columns are {Nama}, {phone}');
    await expect(page.getByTestId('wizard-next')).toBeDisabled();
    await screenshot(page, 'wizard-missing-variable');

    await pick(page, 'wizard-sms-disconnect-template', 'Nama');
    await expect(error).toHaveCount(0);
    await expect(page.getByTestId('wizard-next')).toBeEnabled();
    expect(app.consoleErrors).toEqual([]);
  } finally {
    tmp.cleanup();
  }
});

test('a template with an unclosed brace is refused as it is typed, with the rule the core applies on save', async ({ app }) => {
  const { page } = app;
  await app.goto('/templates');
  await page.getByTestId('template-new').click();
  const dialog = page.getByTestId('template-dialog');
  await dialog.getByTestId('template-name').locator('input').fill('Broken');
  await dialog.getByTestId('template-body').locator('textarea').fill('Halo {Nama, promo hari ini');
  // The shared template schema (shared/sms/templateSchema.ts) names the problem on the field; Save waits for a fix.
  await expect(dialog.getByTestId('template-body')).toContainText('The template has a { that is not closed: "{Nama, promo hari in…"');
  await expect(dialog.getByTestId('template-save')).toBeDisabled();
  await screenshot(page, 'template-unclosed-brace');
});

test.describe('with the dialer running', () => {
  test.use({ bridgeOptions: { startEngine: true, engine: { tickMs: 50 }, dryRun: { callMs: 0, seed: 7 } } });

  test('uncertain SMS are listed and sent again only after the warning; delivery shows per number with the rate', async ({ app, bridge, sms }) => {
    test.setTimeout(60_000);
    const { page } = app;
    const tmp = makeTempDir();
    try {
      const core = bridge.core;
      await addRecording(core, 'Promotion Campaign');
      const numbers = ['+6281234560011', '+6281234560022', '+6281234560033'];
      await addRoster(core, tmp.dir, numbers);
      const thanks = await addApprovedTemplate(core, 'Thanks', 'Terima kasih {Nama}');
      await useTwilio(core, sms.baseUrl);
      const task = await call(core, 'task.create', { name: 'January 2026 Promotion', recordingId: 1, rosterId: 1, start: { mode: 'now' }, smsDisconnectTemplateId: thanks });
      await expect.poll(async () => (await call(core, 'task.get', { id: task.id })).status, { timeout: 20_000 }).toBe('completed');

      // The core runs in its own process; the test writes into the same store (SQLite WAL) what a
      // finished task leaves: two SMS as Twilio accepted them (a dry run reaches no provider, so
      // they are sent here through the account's test), and one a crash left uncertain.
      const sids: string[] = [];
      for (const to of numbers.slice(0, 2)) sids.push((await call(core, 'smsAccount.test', { to })).providerMessageId!);
      const db = openDatabase(join(bridge.dataDir, 'autocall.db'));
      const now = Date.now();
      const numberIds = db.prepare('SELECT id FROM task_numbers WHERE task_id = ? ORDER BY id').pluck().all(task.id) as number[];
      db.transaction(() => {
        db.prepare('DELETE FROM sms_outbox WHERE task_id = ?').run(task.id);
        const add = db.prepare(
          `INSERT INTO sms_outbox (task_id, task_number_id, kind, to_e164, text, state, dry_run, created_at, updated_at, provider, provider_message_id, sent_at, delivery_state, delivery_next_check_at)
           VALUES (?, ?, 'disconnect', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        add.run(task.id, numberIds[0], numbers[0], 'Terima kasih Pelanggan 1', 'sent', 0, now, now, 'twilio', sids[0], now, 'pending', now);
        add.run(task.id, numberIds[1], numbers[1], 'Terima kasih Pelanggan 2', 'sent', 0, now, now, 'twilio', sids[1], now, 'pending', now);
        add.run(task.id, numberIds[2], numbers[2], 'Terima kasih Pelanggan 3', 'uncertain', 1, now, now, null, null, null, null, null);
        db.prepare('UPDATE tasks SET n_sms_sent = 2, n_sms_failed = 0 WHERE id = ?').run(task.id);
      })();
      const rows = db.prepare('SELECT id FROM sms_outbox WHERE task_id = ? ORDER BY id').pluck().all(task.id) as number[];
      sms.deliver(sids[0]!, 'delivered');
      sms.deliver(sids[1]!, 'undelivered');
      const sentBefore = sms.messages.length;

      await app.goto(`/scheduler/${task.id}`);
      const delivery = page.getByTestId('sms-delivery');
      await expect(delivery.getByTestId('sms-delivery-rate')).toHaveText('50%', { timeout: 15_000 });
      const states = delivery.getByTestId('sms-delivery-state');
      await expect(states).toHaveCount(2);
      await expect(delivery.locator('tbody tr').filter({ hasText: numbers[0]! }).getByTestId('sms-delivery-state')).toHaveAttribute('data-delivery', 'delivered');
      await expect(delivery.locator('tbody tr').filter({ hasText: numbers[1]! })).toContainText('Unreachable destination handset');

      const uncertain = page.getByTestId('uncertain-sms');
      await expect(uncertain).toContainText(numbers[2]!);
      await expect(uncertain).toContainText('Terima kasih Pelanggan 3');
      await screenshot(page, 'task-sms-follow-up');
      // The task page's SMS cards and number table in every language and window size, nothing wider than the window.
      const viewport = page.viewportSize()!;
      for (const locale of LOCALES) {
        await call(core, 'settings.setLocale', { locale });
        for (const size of SIZES) {
          await page.setViewportSize(size);
          await page.reload();
          await expect(delivery.getByTestId('sms-delivery-rate')).toHaveText('50%', { timeout: 15_000 });
          await expect(uncertain).toContainText(numbers[2]!);
          await shot(page, `sms-${locale}-${size.width}x${size.height}-task-detail`);
        }
      }
      await call(core, 'settings.setLocale', { locale: 'en' });
      await page.setViewportSize(viewport);
      await page.reload();
      await expect(uncertain).toContainText(numbers[2]!);

      // "Send again" asks first; Cancel sends nothing.
      await uncertain.getByTestId('uncertain-sms-send-all').click();
      const dialog = page.getByTestId('confirm-dialog');
      await expect(dialog).toContainText('a customer may receive the same SMS twice');
      await screenshot(page, 'task-sms-resend-confirm');
      await dialog.getByTestId('confirm-cancel').click();
      await expect(uncertain).toBeVisible();
      expect(db.prepare('SELECT state FROM sms_outbox WHERE id = ?').pluck().get(rows[2])).toBe('uncertain');

      await uncertain.getByTestId('uncertain-sms-send-all').click();
      await dialog.getByTestId('confirm-ok').click();
      await expect(page.getByTestId('uncertain-sms-done')).toContainText('1 SMS will be sent again');
      await expect(uncertain).toHaveCount(0);
      await expect.poll(() => db.prepare('SELECT state FROM sms_outbox WHERE id = ?').pluck().get(rows[2])).toBe('sent');
      // The task's SMS is a dry run's: it went to the dry-run sender, not to the provider.
      expect(sms.messages.length).toBe(sentBefore);

      // Bahasa Indonesia.
      await call(core, 'settings.setLocale', { locale: 'id' });
      await page.reload();
      await expect(page.getByTestId('sms-delivery')).toContainText('Tingkat terkirim');
      await expect(page.getByTestId('sms-delivery')).toContainText('Tidak terkirim');
      expect(app.consoleErrors).toEqual([]);
      db.close();
    } finally {
      tmp.cleanup();
    }
  });
});

test('Settings says which providers cannot report delivery', async ({ app }) => {
  const { page } = app;
  await app.goto('/settings?tab=sms');
  const note = page.getByTestId('sms-no-delivery-lookup');
  await pick(page, 'sms-provider', 'Twilio');
  await expect(note).toHaveCount(0);
  await pick(page, 'sms-provider', 'Vonage');
  await expect(note).toContainText('webhook');
  await screenshot(page, 'settings-vonage-no-delivery');
  await pick(page, 'sms-provider', 'Zenziva');
  await expect(note).toContainText('Zenziva’s API offers no status look-up');
  await pick(page, 'sms-provider', 'Generic HTTP gateway (GoIP and similar)');
  await expect(note).toContainText('without a status URL template');
  await page.getByTestId('sms-field-statusUrlTemplate').locator('input').fill('http://192.168.1.10/status?id={messageId}');
  await expect(note).toHaveCount(0);
});
