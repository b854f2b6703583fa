import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { wibParts } from '../../shared/time/wib.js';
import { OUTCOMES } from '../../shared/types.js';
import { freePort, startSipp, type SippRun } from '../support/sipp.js';
import { makeTempDir } from '../support/tmp.js';
import { expect, screenshot, test } from './fixtures.js';
import { addApprovedTemplate, addRecording, addRoster, call, useSipGateway, useTwilio } from './coreSetup.js';

/**
 * Scheduler (Task Management) end to end: the wizard, the live table, the
 * detail view and the export, against the real core with the engine running.
 * tests/sipp/by-number.xml answers by the number's last digit.
 */
const BY_NUMBER = {
  '+6281234560011': { outcome: 'answered', sms: 'Terima kasih Pelanggan 1' }, // callee hangs up
  '+6281234560022': { outcome: 'busy', sms: 'Maaf Pelanggan 2, kami tidak dapat menghubungi Anda' },
  '+6281234560033': { outcome: 'poweredOff', sms: 'Maaf Pelanggan 3, kami tidak dapat menghubungi Anda' }, // 480 with Q.850 cause 20
  '+6281234560044': { outcome: 'noAnswer', sms: 'Maaf Pelanggan 4, kami tidak dapat menghubungi Anda' }, // rings until our CANCEL
  '+6281234560050': { outcome: 'answered', sms: 'Terima kasih Pelanggan 5' }, // we hang up after the recording
} as const;

async function pick(page: Page, selectTestId: string, option: string): Promise<void> {
  await page.getByTestId(selectTestId).click();
  await page.getByRole('option', { name: option }).click();
}

/** Steps 1 and 2 of the wizard; leaves it on step 3 (send settings). */
async function wizardToSendSettings(page: Page, name: string, recording: string): Promise<void> {
  await page.getByTestId('task-add').click();
  await expect(page.getByTestId('task-wizard')).toBeVisible();
  await page.getByTestId('wizard-name').locator('input').fill(name);
  await page.getByTestId('wizard-next').click();
  await pick(page, 'wizard-recording', recording);
  await page.getByTestId('wizard-next').click();
}

/**
 * Picks one of a row's actions from its menu (the table fits 1024 px with the actions in one menu).
 * Opened again if it closed before the click landed (the table reloads twice a second while calls end).
 */
async function rowAction(page: Page, task: ReturnType<typeof row>, testid: string): Promise<void> {
  await expect(async () => {
    if (!(await page.getByTestId('task-actions-menu').isVisible())) await task.getByTestId('task-actions').click();
    await page.getByTestId(testid).click({ timeout: 2000 });
  }).toPass({ timeout: 20_000 });
}

/** The wizard's calling window (08:00-20:00 WIB by default) turned off, so a test's calls do not wait for the morning. */
async function anyHour(page: Page): Promise<void> {
  await page.getByTestId('wizard-advanced').click();
  await page.getByTestId('wizard-window-on').locator('input').uncheck();
}

function row(page: Page, name: string) {
  return page.getByTestId('task-table').locator('tbody tr').filter({ has: page.getByText(name, { exact: true }) });
}

test.describe('through a SIP gateway (sipp) with SMS follow-ups', () => {
  test.use({ bridgeOptions: { startEngine: true, engine: { tickMs: 50 } } });
  let sipp: SippRun;
  test.beforeAll(async () => {
    sipp = await startSipp({ scenario: 'by-number.xml', calls: 1000, timeoutSeconds: 300 });
  });
  test.afterAll(async () => sipp?.kill());

  test('create a task in the wizard, watch it count up, and find the right SMS at the right numbers', async ({ app, bridge, sms }) => {
    test.setTimeout(120_000);
    const { page } = app;
    const tmp = makeTempDir();
    try {
      const core = bridge.core;
      await addRecording(core, 'Promotion Campaign');
      await addRoster(core, tmp.dir, Object.keys(BY_NUMBER));
      await addApprovedTemplate(core, 'Thanks', 'Terima kasih {Nama}');
      await addApprovedTemplate(core, 'Missed', 'Maaf {Nama}, kami tidak dapat menghubungi Anda');
      await addApprovedTemplate(core, 'Chinese', '感谢您接听我们的电话，{Nama}');
      await call(core, 'template.create', { name: 'Draft', body: 'Not approved yet' });
      await useTwilio(core, sms.baseUrl);
      await useSipGateway(core, sipp.host, sipp.port);
      sms.reset();

      await app.goto('/scheduler');
      await expect(page.getByTestId('task-table')).toContainText('No tasks yet');

      // Step 1 refuses special characters and says which ones are allowed.
      await page.getByTestId('task-add').click();
      const name = page.getByTestId('wizard-name');
      await name.locator('input').fill('Promo #1 @office');
      await expect(name).toContainText('not allowed: #@');
      await expect(name).toContainText('Chinese characters, English letters and digits');
      await expect(page.getByTestId('wizard-next')).toBeDisabled();
      await name.locator('input').fill('January 2026 Promotion');
      await page.getByTestId('wizard-next').click();

      await pick(page, 'wizard-recording', 'Promotion Campaign');
      await page.getByTestId('wizard-next').click();

      await pick(page, 'wizard-roster', 'Promotion_List_202601');
      await page.getByTestId('wizard-sms-disconnect-on').locator('input').check();
      // Only approved templates are offered.
      await page.getByTestId('wizard-sms-disconnect-template').click();
      await expect(page.getByRole('option', { name: 'Draft' })).toHaveCount(0);
      await page.getByRole('option', { name: 'Chinese' }).click();
      // The preview is filled from the roster's first row, with its encoding and parts.
      await expect(page.getByTestId('wizard-sms-disconnect-preview')).toContainText('感谢您接听我们的电话，Pelanggan 1');
      await expect(page.getByTestId('wizard-sms-disconnect-preview')).toContainText('UCS-2 · 1 SMS');
      await pick(page, 'wizard-sms-disconnect-template', 'Thanks');
      await expect(page.getByTestId('wizard-sms-disconnect-preview')).toContainText('Terima kasih Pelanggan 1');
      await page.getByTestId('wizard-sms-unanswered-on').locator('input').check();
      await pick(page, 'wizard-sms-unanswered-template', 'Missed');
      await anyHour(page);
      await page.getByTestId('wizard-next').click();

      const summary = page.getByTestId('wizard-summary');
      await expect(page.getByTestId('summary-name')).toHaveText('January 2026 Promotion');
      await expect(page.getByTestId('summary-roster')).toContainText('5 numbers');
      await expect(page.getByTestId('summary-start')).toHaveText('Run immediately');
      await expect(page.getByTestId('summary-sms-disconnect')).toHaveText('Thanks');
      await expect(page.getByTestId('summary-sms-unanswered')).toHaveText('Missed');
      await expect(summary).toBeVisible();
      await screenshot(page, 'task-wizard-summary');
      await page.getByTestId('wizard-submit').click();
      await expect(page.getByTestId('task-wizard')).toBeHidden();

      // The table counts up live while the calls run (no reload), and ends completed.
      const task = row(page, 'January 2026 Promotion');
      await expect(task.getByTestId('task-status')).toHaveAttribute('data-status', /running|completed/);
      await expect(task.getByTestId('task-progress')).toHaveText('5 of 5 numbers', { timeout: 60_000 });
      await expect(task.getByTestId('task-status')).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });
      await expect(task.getByTestId('count-answered')).toHaveText('2');
      await expect(task.getByTestId('count-unanswered')).toHaveText('3');
      await expect(task.getByTestId('count-invalid')).toHaveText('0');
      await expect(task.getByTestId('count-failed')).toHaveText('0');
      await expect(task.getByTestId('count-sms')).toHaveText('5');
      await screenshot(page, 'task-table');

      // The right SMS went to the right number, each exactly once.
      const received = sms.messages.map((m) => `${m.to} ${m.text}`).sort();
      expect(received).toEqual(Object.entries(BY_NUMBER).map(([n, e]) => `${n} ${e.sms}`).sort());

      // Detail: every number's outcome, filterable, with its attempts and SIP trace.
      await task.getByTestId('task-row-name').click();
      await expect(page.getByTestId('task-detail-name')).toHaveText('January 2026 Promotion');
      const numbers = page.getByTestId('task-numbers');
      for (const [number, expected] of Object.entries(BY_NUMBER)) {
        const line = numbers.locator('tbody tr').filter({ hasText: number });
        await expect(line.getByTestId('number-outcome')).toHaveAttribute('data-outcome', expected.outcome);
        await expect(line.getByTestId('number-sms')).toHaveAttribute('data-sms-state', 'sent');
      }
      await pick(page, 'task-filter', 'Powered off / unreachable');
      await expect(numbers.locator('tbody tr')).toHaveCount(1);
      await expect(numbers).toContainText('+6281234560033');
      await expect(numbers).toContainText('480 · Q.850 20');
      await numbers.locator('tbody tr').first().getByRole('button').last().click();
      await expect(page.getByTestId('attempt-row')).toHaveCount(1);
      await page.getByTestId('attempt-trace').click();
      const trace = page.getByTestId('trace-dialog');
      await expect(trace).toContainText('INVITE sip:');
      await expect(trace).toContainText('SIP/2.0 480');
      await expect(trace).not.toContainText('Sup3r-Secret');
      await screenshot(page, 'task-trace');
      await page.keyboard.press('Escape');

      // Export with the outcome column.
      await page.getByTestId('task-export').click();
      await page.getByTestId('task-export-csv').click();
      await expect(page.getByTestId('task-exported')).toContainText('5 rows exported');
      const exported = readFileSync(`${bridge.dataDir}/exports/January 2026 Promotion.csv`, 'utf8');
      expect(exported.split(/\r?\n/)[0]).toMatch(/outcome/i);
      expect(exported).toContain('poweredOff');
      expect(app.consoleErrors).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });

  test('an SMS follow-up the provider refused shows its error in Bahasa Indonesia and Chinese on the task detail page', async ({ app, bridge, sms }) => {
    test.setTimeout(90_000);
    const { page } = app;
    const tmp = makeTempDir();
    try {
      const core = bridge.core;
      const recordingId = await addRecording(core, 'Promotion Campaign');
      const rosterId = await addRoster(core, tmp.dir, ['+6281234560011']); // answered: the Call Disconnect SMS
      const thanks = await addApprovedTemplate(core, 'Thanks', 'Terima kasih {Nama}');
      await useTwilio(core, sms.baseUrl);
      await useSipGateway(core, sipp.host, sipp.port);
      sms.reset();
      sms.failNext(401); // Twilio's answer to wrong credentials: the core stores sms.auth, with the host as a param

      await page.getByTestId('locale-menu').click();
      await page.getByTestId('locale-id').click();
      await expect(page.getByTestId('nav-scheduler')).toContainText('Penjadwal');
      const task = await call(core, 'task.create', { name: 'Promo Gagal SMS', recordingId, rosterId, start: { mode: 'now' }, smsDisconnectTemplateId: thanks });
      await app.goto(`/scheduler/${task.id}`);
      const number = page.getByTestId('task-numbers').locator('tbody tr').filter({ hasText: '+6281234560011' });
      await expect(number.getByTestId('number-sms')).toHaveAttribute('data-sms-state', 'failed', { timeout: 60_000 });
      const host = new URL(sms.baseUrl).host;
      await expect(number.getByTestId('number-sms-error')).toHaveText(
        `Penyedia SMS (${host}) menolak kredensial: Authenticate (Twilio error 20003). Periksa kredensial di Pengaturan > Akun SMS.`,
      );
      await screenshot(page, 'task-detail-sms-error-id');

      await page.getByTestId('locale-menu').click();
      await page.getByTestId('locale-zh').click();
      await expect(number.getByTestId('number-sms-error')).toHaveText(`短信服务商（${host}）拒绝了凭据：Authenticate (Twilio error 20003)。请在“设置 > 短信账户”中检查凭据。`);
      expect(sms.messages).toEqual([]);
      expect(app.consoleErrors).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });
});

test.describe('on the dry-run gateway', () => {
  // One channel, one call a second, each call 600 ms: slow enough to pause in the middle.
  test.use({ bridgeOptions: { startEngine: true, engine: { tickMs: 50 }, dryRun: { callMs: 600, channels: 1, callsPerSecond: 1, seed: 7 } } });

  test('pause stops new calls, resume carries on to the end; edit changes the name', async ({ app, bridge }) => {
    test.setTimeout(120_000);
    const { page } = app;
    const tmp = makeTempDir();
    try {
      // 30 numbers of 0.6 s on one channel: time to open the row's menu and confirm before the last one.
      const numbers = Array.from({ length: 30 }, (_, i) => `+62812345${String(70000 + i).padStart(5, '0')}`);
      await addRecording(bridge.core, 'Promotion Campaign');
      await addRoster(bridge.core, tmp.dir, numbers);
      await app.goto('/scheduler');
      await expect(page.getByTestId('engine-dry-run')).toBeVisible();

      await wizardToSendSettings(page, 'Dry Run Promotion', 'Promotion Campaign');
      await pick(page, 'wizard-roster', 'Promotion_List_202601');
      await expect(page.getByTestId('wizard-sms-off')).toBeVisible(); // no SMS account: no SMS section
      await anyHour(page);
      await page.getByTestId('wizard-next').click();
      await expect(page.getByTestId('wizard-dry-run')).toBeVisible();
      await page.getByTestId('wizard-submit').click();

      const task = row(page, 'Dry Run Promotion');
      await expect(task.getByTestId('task-dry-run')).toBeVisible();
      await expect(task.getByTestId('task-progress')).toHaveText(/^[1-9]\d* of 30 numbers$/, { timeout: 20_000 });

      await rowAction(page, task, 'task-pause');
      await expect(page.getByTestId('confirm-dialog')).toContainText('Calls already connected finish');
      await page.getByTestId('confirm-ok').click();
      await expect(task.getByTestId('task-status')).toHaveAttribute('data-status', 'paused');
      // The call that was connected finishes; after that nothing moves.
      await page.waitForTimeout(1500);
      const paused = await task.getByTestId('task-progress').textContent();
      await page.waitForTimeout(2500);
      await expect(task.getByTestId('task-progress')).toHaveText(paused!);
      expect(paused).not.toBe('30 of 30 numbers');
      const [stored] = (await call(bridge.core, 'task.list', {})).items;
      expect(stored!.status).toBe('paused');

      await rowAction(page, task, 'task-resume');
      await expect(task.getByTestId('task-status')).toHaveAttribute('data-status', /running|completed/);
      await expect(task.getByTestId('task-progress')).toHaveText('30 of 30 numbers', { timeout: 60_000 });
      await expect(task.getByTestId('task-status')).toHaveAttribute('data-status', 'completed');

      // Edit: the same name rule, then Confirm.
      await rowAction(page, task, 'task-edit');
      const input = page.getByTestId('task-rename-input');
      await input.locator('input').fill('Promo 50%');
      await expect(input).toContainText('not allowed: %');
      await expect(page.getByTestId('task-rename-confirm')).toBeDisabled();
      await input.locator('input').fill('二月 促销 2026');
      await page.getByTestId('task-rename-confirm').click();
      await expect(row(page, '二月 促销 2026')).toHaveCount(1);
      await expect(page.getByTestId('task-table')).not.toContainText('Dry Run Promotion');
      expect(app.consoleErrors).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });

  test('a call attempt’s stored problem is shown in the chosen language', async ({ app, bridge }) => {
    const { page } = app;
    const tmp = makeTempDir();
    try {
      const recordingId = await addRecording(bridge.core, 'Promotion Campaign');
      const rosterId = await addRoster(bridge.core, tmp.dir, ['+6281234567001']);
      const task = await call(bridge.core, 'task.create', { name: 'Dry Run Promotion', recordingId, rosterId, start: { mode: 'now' } });
      await page.getByTestId('locale-menu').click();
      await page.getByTestId('locale-zh').click();
      await expect(page.getByTestId('nav-settings')).toContainText('设置');
      await app.goto(`/scheduler/${task.id}`);
      const number = page.getByTestId('task-numbers').locator('tbody tr').filter({ hasText: '+6281234567001' });
      await expect(number.getByTestId('number-outcome')).toHaveAttribute('data-outcome', new RegExp(`^(${OUTCOMES.join('|')})$`), { timeout: 20_000 });
      await number.getByRole('button').last().click();
      // Every dry-run attempt says that no real call was placed (stored as call.dryRun).
      await expect(page.getByTestId('attempt-error')).toHaveText('试运行：没有拨打真实电话。');
      expect(app.consoleErrors).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });
});

/**
 * A scheduled run. Start times are whole WIB minutes, so the core's clock is
 * moved forward to 30 s past a minute; the task is due at the next minute, under
 * half a minute later. The browser runs in America/Los_Angeles (playwright.config.ts):
 * the table must still show the WIB time.
 */
const shiftedClock = { offsetMs: 0, now: () => Date.now() + shiftedClock.offsetMs };
// The core host's own clock is moved by the same offset (HostInit.testClock).

test.describe('a scheduled run', () => {
  test.use({ bridgeOptions: { startEngine: true, engine: { tickMs: 50 }, testClock: true, dryRun: { callMs: 50, channels: 2, callsPerSecond: 5, seed: 3 } } });

  test('refuses a past time, then starts at its WIB time', async ({ app, bridge }) => {
    test.setTimeout(180_000);
    const { page } = app;
    const tmp = makeTempDir();
    shiftedClock.offsetMs = ((30 - (Math.floor(Date.now() / 1000) % 60) + 60) % 60) * 1000;
    const shifted = await bridge.core.control('test.shiftClock', { offsetMs: shiftedClock.offsetMs });
    expect(shifted.ok).toBe(true);
    try {
      await addRecording(bridge.core, 'Promotion Campaign');
      await addRoster(bridge.core, tmp.dir, ['+6281234567801', '+6281234567802', '+6281234567803']);
      await app.goto('/scheduler');
      await wizardToSendSettings(page, 'Scheduled Promotion', 'Promotion Campaign');
      await pick(page, 'wizard-roster', 'Promotion_List_202601');
      await page.getByTestId('wizard-start-scheduled').locator('input').check();

      await page.getByTestId('wizard-date').locator('input').fill('2025-01-01');
      await page.getByTestId('wizard-time').locator('input').fill('09:00');
      await expect(page.getByTestId('wizard-start-error')).toContainText('already passed');
      await expect(page.getByTestId('wizard-next')).toBeDisabled();

      // The next whole minute of the core's clock at least 15 s away (time to submit), as a WIB wall-clock time.
      const due = Math.ceil((shiftedClock.now() + 15_000) / 60_000) * 60_000;
      const wib = wibParts(due);
      await page.getByTestId('wizard-date').locator('input').fill(wib.date);
      await page.getByTestId('wizard-time').locator('input').fill(wib.time);
      await expect(page.getByTestId('wizard-start-error')).toHaveCount(0);
      await anyHour(page);
      await page.getByTestId('wizard-next').click();
      await expect(page.getByTestId('summary-start')).toHaveText(`${wib.date} ${wib.time} WIB`);
      await page.getByTestId('wizard-submit').click();

      const task = row(page, 'Scheduled Promotion');
      await expect(task.getByTestId('task-status')).toHaveAttribute('data-status', 'scheduled');
      await expect(task.getByTestId('task-start')).toHaveText(`${wib.date} ${wib.time} WIB`);
      await expect(task.getByTestId('task-status')).toHaveAttribute('data-status', /running|completed/, { timeout: 90_000 });
      await expect(task.getByTestId('task-status')).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });

      const [stored] = (await call(bridge.core, 'task.list', {})).items;
      expect(stored!.startAt).toBe(due);
      // "A scheduled task starts within one second of its time" (by the core's clock).
      expect(stored!.startedAt! - due).toBeGreaterThanOrEqual(0);
      expect(stored!.startedAt! - due).toBeLessThan(1000);
      expect(stored!.startedLate).toBe(false);
      expect(app.consoleErrors).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });
});

test.describe('a SIP gateway that is not ready', () => {
  test('the banner says why in the chosen language, as the gateway test and test call do', async ({ app, bridge }) => {
    const { page } = app;
    // Registration on, over TCP to a port where nothing listens: the gateway cannot start, refused at once.
    const closed = await freePort('tcp');
    await useSipGateway(bridge.core, '127.0.0.1', closed, { transport: 'tcp', register: true });

    await app.goto('/scheduler');
    const banner = page.getByTestId('engine-gateway-not-ready');
    await expect(banner).toContainText('The SIP gateway does not answer.');
    await expect(page.getByTestId('engine-gateway-problem')).toHaveText(
      `— The gateway at 127.0.0.1:${closed} refused the connection: nothing answers SIP there over this transport. Check the host, port and transport in Settings > Gateway.`,
    );

    await page.getByTestId('locale-menu').click();
    await page.getByTestId('locale-id').click();
    await expect(page.getByTestId('engine-gateway-problem')).toHaveText(
      `— Gateway di 127.0.0.1:${closed} menolak koneksi: tidak ada yang menjawab SIP di sana lewat transport ini. Periksa host, port, dan transport di Pengaturan > Gateway.`,
    );
    expect(app.consoleErrors).toEqual([]);
  });
});
