import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { formatWib } from '../../shared/time/wib.js';
import { makeTempDir } from '../support/tmp.js';
import { addApprovedTemplate, addRecording, addRoster, call, useTwilio } from './coreSetup.js';
import { expect, screenshot, test } from './fixtures.js';

/**
 * The supervisor's view (issue 9) against the real core with the dry-run
 * engine dialing: the dashboard, the task table and the task page fit the
 * window in every language at 1366×860 and 1024×640 (no sideways scroll,
 * for the page and for each table), with screenshots to look at; and "call
 * again" makes a new task from the numbers of the chosen outcomes.
 */
const SCREENS = join(process.cwd(), 'test-results', 'screens');
const SIZES = [
  { width: 1366, height: 860 },
  { width: 1024, height: 640 },
] as const;
const LOCALES = ['en', 'id', 'zh'] as const;

test.use({ bridgeOptions: { startEngine: true, engine: { tickMs: 50 }, dryRun: { callMs: 40, channels: 4, callsPerSecond: 50, seed: 11 } } });

function numbers(count: number, from: number): string[] {
  return Array.from({ length: count }, (_, i) => `+62812345${String(from + i).padStart(5, '0')}`);
}

async function chooseLanguage(page: Page, locale: (typeof LOCALES)[number]): Promise<void> {
  await page.getByTestId('locale-menu').click();
  await page.getByTestId(`locale-${locale}`).click();
  await expect(page.locator('html')).toHaveAttribute('lang', locale === 'zh' ? /zh/ : locale);
}

/** Nothing wider than the window: the document, and every table's scrolling wrapper. */
async function expectNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const out: string[] = [];
    const root = document.scrollingElement ?? document.documentElement;
    if (root.scrollWidth > root.clientWidth) out.push(`page ${root.scrollWidth} > ${root.clientWidth}`);
    for (const wrapper of document.querySelectorAll<HTMLElement>('.v-table__wrapper, .v-main')) {
      if (wrapper.scrollWidth > wrapper.clientWidth) {
        const owner = wrapper.closest('[data-testid]')?.getAttribute('data-testid') ?? wrapper.className;
        out.push(`${owner} ${wrapper.scrollWidth} > ${wrapper.clientWidth}`);
      }
    }
    return out;
  });
  expect(overflow, where).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}

test('the dashboard, the task table and the task page fit 1366×860 and 1024×640 in English, Indonesian and Chinese', async ({ app, bridge, sms }) => {
  test.setTimeout(180_000);
  const { page } = app;
  const core = bridge.core;
  const tmp = makeTempDir();
  try {
    await addRecording(core, 'Promotion Campaign');
    const roster = await addRoster(core, tmp.dir, numbers(60, 60000));
    await useTwilio(core, sms.baseUrl);
    const thanks = await addApprovedTemplate(core, 'Thanks', 'Terima kasih {Nama}');
    const missed = await addApprovedTemplate(core, 'Missed', 'Maaf {Nama}, kami tidak dapat menghubungi Anda');
    const recordingId = (await call(core, 'recording.list', {}))[0]!.id;
    const base = { recordingId, rosterId: roster };
    // The longest names the rule allows, in the three scripts, next to a plain one.
    const done = await call(core, 'task.create', {
      ...base,
      name: 'January 2026 Promotion for Jakarta and Surabaya Customers',
      start: { mode: 'now' },
      smsDisconnectTemplateId: thanks,
      smsUnansweredTemplateId: missed,
      callingWindow: { start: '00:00', end: '23:59' },
    });
    // Running, but its calling window is closed now: it stays running with its numbers waiting.
    const hour = Number(formatWib(Date.now()).slice(11, 13));
    const closed = { start: `${String((hour + 2) % 24).padStart(2, '0')}:00`, end: `${String((hour + 3) % 24).padStart(2, '0')}:00` };
    await call(core, 'task.create', { ...base, name: '二月 促销 活动 雅加达 泗水 客户 回访 电话 2026', start: { mode: 'now' }, callingWindow: closed });
    await call(core, 'task.create', {
      ...base,
      name: 'Promosi Pelanggan Setia Bulan Maret 2026 Wilayah Jabodetabek',
      start: { mode: 'scheduled', at: formatWib(Date.now() + 86_400_000).replace(' WIB', '') },
    });
    await expect.poll(async () => (await call(core, 'task.get', { id: done.id })).status, { timeout: 60_000 }).toBe('completed');
    const paused = await call(core, 'task.create', { ...base, name: 'Paused Promotion', start: { mode: 'scheduled', at: formatWib(Date.now() + 3_600_000).replace(' WIB', '') } });
    await call(core, 'task.pause', { id: paused.id });

    for (const size of SIZES) {
      await page.setViewportSize(size);
      for (const locale of LOCALES) {
        const tag = `${locale}-${size.width}x${size.height}`;
        await app.goto('/scheduler');
        await chooseLanguage(page, locale);
        // The side menu is icons only below 1280 px.
        await expect(page.getByTestId('nav-drawer')).toHaveAttribute('data-rail', size.width < 1280 ? 'true' : 'false');
        const dashboard = page.getByTestId('dashboard');
        await expect(dashboard.getByTestId('dash-answered')).not.toHaveText('0');
        await expect(dashboard.getByTestId('dash-chart').locator('canvas').first()).toBeVisible();
        await expect(page.getByTestId('task-table').locator('tbody tr')).toHaveCount(4);
        await expectNoSidewaysScroll(page, `scheduler ${tag}`);
        await shot(page, `scheduler-${tag}`);

        await app.goto(`/scheduler/${done.id}`);
        await expect(page.getByTestId('task-donut').locator('canvas').first()).toBeVisible();
        await expect(page.getByTestId('task-over-time').locator('canvas').first()).toBeVisible();
        await expect(page.getByTestId('task-numbers').locator('tbody tr')).toHaveCount(25);
        await expectNoSidewaysScroll(page, `task page ${tag}`);
        await shot(page, `task-${tag}`);
      }
    }
    expect(app.consoleErrors).toEqual([]);
  } finally {
    tmp.cleanup();
  }
});

test('call again: a new task from the busy, no-answer and powered-off numbers; names already taken are refused; the task page edits and deletes', async ({ app, bridge }) => {
  test.setTimeout(120_000);
  const { page } = app;
  const core = bridge.core;
  const tmp = makeTempDir();
  try {
    await addRecording(core, 'Promotion Campaign');
    const rosterId = await addRoster(core, tmp.dir, numbers(40, 61000));
    const recordingId = (await call(core, 'recording.list', {}))[0]!.id;
    const source = await call(core, 'task.create', { name: 'March 2026 Promotion', recordingId, rosterId, start: { mode: 'now' } });
    await expect.poll(async () => (await call(core, 'task.get', { id: source.id })).status, { timeout: 60_000 }).toBe('completed');
    const stats = await call(core, 'task.stats', { id: source.id });
    const expected = stats.byOutcome.busy + stats.byOutcome.noAnswer + stats.byOutcome.poweredOff;
    expect(expected).toBeGreaterThan(0);

    await app.goto(`/scheduler/${source.id}`);
    await expect(page.getByTestId('task-answer-rate')).toContainText(
      new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 0 }).format(stats.answerRate ?? 0),
    );
    await page.getByTestId('task-detail-call-again').click();
    const dialog = page.getByTestId('call-again-dialog');
    await expect(dialog).toBeVisible();
    for (const outcome of ['busy', 'noAnswer', 'poweredOff'] as const) {
      const box = dialog.getByTestId(`call-again-outcome-${outcome}`).locator('input');
      if (stats.byOutcome[outcome] > 0) await expect(box).toBeChecked();
      else await expect(box).toBeDisabled();
    }
    await expect(dialog.getByTestId('call-again-outcome-failed').locator('input')).not.toBeChecked();
    await expect(dialog.getByTestId('call-again-summary')).toHaveText(`${expected} numbers will be called.`);
    await expect(dialog.getByTestId('call-again-name').locator('input')).toHaveValue('March 2026 Promotion call again');
    await screenshot(page, 'call-again-dialog');
    await dialog.getByTestId('call-again-confirm').click();

    // The new task opens, calls exactly those numbers, and keeps the source's settings.
    await expect(page.getByTestId('task-detail-name')).toHaveText('March 2026 Promotion call again');
    await expect(page).not.toHaveURL(new RegExp(`/scheduler/${source.id}$`));
    const againId = Number(new URL(page.url()).hash.split('/').pop());
    await expect(page.getByTestId('task-detail-progress')).toContainText(`of ${expected} numbers`);
    const sourceNumbers = await call(core, 'task.numbers', { id: source.id, pageSize: 500 });
    const wanted = sourceNumbers.items.filter((n) => ['busy', 'noAnswer', 'poweredOff'].includes(n.outcome ?? '')).map((n) => n.phoneE164).sort();
    const again = await call(core, 'task.numbers', { id: againId, pageSize: 500 });
    expect(again.items.map((n) => n.phoneE164).sort()).toEqual(wanted);
    await expect.poll(async () => (await call(core, 'task.get', { id: againId })).status, { timeout: 60_000 }).toBe('completed');

    // The numbers list searches by the number as the roster wrote it, and shows the roster's name column.
    const first = again.items[0]!;
    await page.getByTestId('task-search').locator('input').fill(`0${first.phoneE164.slice(3)}`);
    await expect(page.getByTestId('task-numbers').locator('tbody tr')).toHaveCount(1);
    await expect(page.getByTestId('number-name')).toHaveText(first.name!);

    // A second "call again" with a name already taken is refused with the core's coded message.
    await app.goto(`/scheduler/${source.id}`);
    await page.getByTestId('task-detail-call-again').click();
    await page.getByTestId('call-again-confirm').click();
    await expect(page.getByTestId('call-again-error')).toHaveText(
      'A task named "March 2026 Promotion call again" already exists. Choose another name, for example with the month or a number added.',
    );
    await page.keyboard.press('Escape');

    // Rename to another task's name, from the table's menu: refused the same way.
    await app.goto('/scheduler');
    const row = page.getByTestId('task-table').locator('tbody tr').filter({ hasText: 'March 2026 Promotion call again' });
    await row.getByTestId('task-actions').click();
    await page.getByTestId('task-edit').click();
    await page.getByTestId('task-rename-input').locator('input').fill('march 2026 promotion');
    await page.getByTestId('task-rename-confirm').click();
    await expect(page.getByTestId('task-rename-error')).toContainText('A task named "March 2026 Promotion" already exists');
    await page.keyboard.press('Escape');

    // The task page has the table's actions: edit the name there, then delete the task and land on the table.
    await app.goto(`/scheduler/${source.id}`);
    await page.getByTestId('task-actions').click();
    await page.getByTestId('task-edit').click();
    await page.getByTestId('task-rename-input').locator('input').fill('March 2026 Promotion first round');
    await page.getByTestId('task-rename-confirm').click();
    await expect(page.getByTestId('task-detail-name')).toHaveText('March 2026 Promotion first round');
    await page.getByTestId('task-actions').click();
    await page.getByTestId('task-delete').click();
    await page.getByTestId('confirm-ok').click();
    await expect(page).toHaveURL(/#\/scheduler$/);
    await expect(page.getByTestId('task-table')).not.toContainText('March 2026 Promotion first round');
    await expect(page.getByTestId('task-table').locator('tbody tr')).toHaveCount(1);
    expect(app.consoleErrors).toEqual([]);
  } finally {
    tmp.cleanup();
  }
});
