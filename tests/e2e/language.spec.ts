import { expect, screenshot, test } from './fixtures.js';

test('switch to Bahasa Indonesia and Chinese; the choice is kept by the core across reloads', async ({ app }) => {
  const { page } = app;
  await expect(page.getByTestId('nav-recordings')).toContainText('Recording Files');
  await expect(page.getByTestId('task-table')).toContainText('No tasks yet');
  await screenshot(page, 'scheduler');

  await page.getByTestId('locale-menu').click();
  await page.getByTestId('locale-id').click();
  await expect(page.getByTestId('nav-autocall')).toContainText('Panggilan Otomatis');
  await expect(page.getByTestId('nav-scheduler')).toContainText('Penjadwal');
  await expect(page.getByTestId('nav-recordings')).toContainText('File Rekaman');
  await expect(page.getByTestId('nav-rosters')).toContainText('Daftar Panggilan');
  await expect(page.getByTestId('nav-templates')).toContainText('Templat SMS');
  await expect(page.getByTestId('nav-settings')).toContainText('Pengaturan');
  await expect(page.getByTestId('task-table')).toContainText('Belum ada tugas');
  await expect(page.locator('html')).toHaveAttribute('lang', 'id');

  await page.reload();
  await expect(page.getByTestId('nav-recordings')).toContainText('File Rekaman');
  await screenshot(page, 'scheduler-id');

  await page.getByTestId('locale-menu').click();
  await page.getByTestId('locale-zh').click();
  await expect(page.getByTestId('nav-recordings')).toContainText('录音文件');
  await expect(page.getByTestId('nav-settings')).toContainText('设置');
  expect(app.consoleErrors).toEqual([]);
});
