import ExcelJS from 'exceljs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../support/tmp.js';
import { expect, screenshot, test } from './fixtures.js';

const VALID_ROWS = 60;

/** A roster as people type it: a Chinese phone header, mixed number styles, some unusable rows. */
async function writeRoster(path: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Daftar');
  sheet.addRow(['姓名', '手机号', 'Kota']);
  for (let i = 0; i < VALID_ROWS; i++) {
    const local = `812${String(30_000_000 + i).padStart(8, '0')}`;
    // Alternate the ways numbers arrive: national with dashes, +62 with spaces, bare.
    const phone = i % 3 === 0 ? `0${local.slice(0, 3)}-${local.slice(3, 7)}-${local.slice(7)}` : i % 3 === 1 ? `+62 ${local}` : `62${local}`;
    sheet.addRow([`Pelanggan ${i + 1}`, phone, i % 2 ? 'Jakarta' : 'Bandung']);
  }
  sheet.addRow(['Tanpa Nomor', '', 'Jakarta']); // empty
  sheet.addRow(['Salah Ketik', 'abc-def', 'Bogor']); // not a number
  sheet.addRow(['Terlalu Pendek', '0812', 'Depok']); // too short
  sheet.addRow(['Ganda', '+62 81230000000', 'Bekasi']); // duplicate of the first row
  await workbook.xlsx.writeFile(path);
}

test('import a roster: progress, preview with unusable rows, confirm, then page through the detail', async ({ app }) => {
  const { page } = app;
  const tmp = makeTempDir();
  try {
    const file = join(tmp.dir, 'Promotion_List_202601.xlsx');
    await writeRoster(file);
    await app.goto('/rosters');
    await expect(page.getByTestId('roster-table')).toContainText('No rosters yet');

    await page.getByTestId('roster-import-input').setInputFiles(file);
    const preview = page.getByTestId('roster-preview');
    await expect(preview).toBeVisible();
    await expect(page.getByTestId('roster-preview-valid')).toContainText(String(VALID_ROWS));
    await expect(page.getByTestId('roster-preview-duplicates')).toContainText('1');
    await expect(page.getByTestId('roster-preview-invalid')).toContainText('3');
    const sample = page.getByTestId('roster-preview-sample');
    await expect(sample).toContainText('+6281230000000');
    await expect(sample).toContainText('0812-3000-0000');
    await expect(sample).toContainText('Pelanggan 1');
    const issues = page.getByTestId('roster-preview-issues');
    await expect(issues).toContainText('Not a phone number');
    await expect(issues).toContainText('Same number as row 2'); // a duplicate names the row it repeats
    await expect(issues).toContainText(String(VALID_ROWS + 5)); // the duplicate's row number (header is row 1)
    await screenshot(page, 'roster-preview');

    await page.getByTestId('roster-preview-confirm').click();
    await expect(preview).toHaveCount(0);
    await expect(page.getByTestId('roster-notice')).toContainText(String(VALID_ROWS));
    const row = page.getByTestId('roster-table').locator('tbody tr').first();
    await expect(row.getByTestId('roster-valid')).toHaveText(String(VALID_ROWS));
    await expect(row).toContainText('WIB');
    await screenshot(page, 'rosters');

    await row.getByTestId('roster-name').click();
    await expect(page.getByTestId('roster-detail')).toBeVisible();
    const entries = page.getByTestId('roster-entries');
    await expect(entries.locator('tbody tr')).toHaveCount(25);
    await expect(entries).toContainText('+6281230000000');
    await expect(entries).toContainText('1-25');
    await entries.getByRole('button', { name: 'Next page' }).click();
    await expect(entries).toContainText('26-50');
    await expect(entries).toContainText('+6281230000025');
    await expect(entries).not.toContainText('+6281230000000');
    await screenshot(page, 'roster-detail');

    await page.getByTestId('roster-tab-issues').click();
    const issueTable = page.getByTestId('roster-issues');
    await expect(issueTable.locator('tbody tr')).toHaveCount(4);
    await expect(issueTable).toContainText('No phone number');
    expect(app.consoleErrors).toEqual([]);
  } finally {
    tmp.cleanup();
  }
});

test('a file without a known phone header asks for the column; cancel discards the import', async ({ app }) => {
  const { page } = app;
  const tmp = makeTempDir();
  try {
    // "Kontak" and "Nomor" are known headers (shared/roster/phoneColumn.ts); "Keterangan" (remarks) is not.
    const file = join(tmp.dir, 'keterangan.csv');
    writeFileSync(file, '\uFEFFNama;Keterangan\nBudi;0812-3456-7890\nSiti;+62 813 1111 2222\n');
    await app.goto('/rosters');
    await page.getByTestId('roster-import-input').setInputFiles(file);
    await expect(page.getByTestId('roster-column-dialog')).toBeVisible();
    await page.getByTestId('roster-column-select').click();
    await page.getByRole('option', { name: 'Keterangan' }).click();
    await page.getByTestId('roster-column-continue').click();
    await expect(page.getByTestId('roster-preview-valid')).toContainText('2');
    await page.getByTestId('roster-preview-cancel').click();
    await expect(page.getByTestId('roster-preview')).toHaveCount(0);
    await expect(page.getByTestId('roster-table')).toContainText('No rosters yet');
  } finally {
    tmp.cleanup();
  }
});

test('a spreadsheet that is not one is refused with a clear message', async ({ app }) => {
  const { page } = app;
  const tmp = makeTempDir();
  try {
    const file = join(tmp.dir, 'not-a-workbook.xlsx');
    writeFileSync(file, 'this is plain text, not a workbook');
    await app.goto('/rosters');
    await page.getByTestId('roster-import-input').setInputFiles(file);
    await expect(page.getByTestId('roster-error')).toContainText('not-a-workbook.xlsx');
    await expect(page.getByTestId('roster-table')).toContainText('No rosters yet');
  } finally {
    tmp.cleanup();
  }
});
