import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { writeCfb, writeCsv, writeRandomBytes, writeRenamedDocx, writeRenamedZip, writeXlsx, writeZipBomb, writeBytes } from '../../tests/support/rosterFiles.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { AppError } from '../errors.js';
import { RosterService } from './rosterService.js';
import { buildZip, workbookParts } from '../../tests/support/testZip.js';

async function refusal(work: () => Promise<unknown>): Promise<AppError> {
  let caught: unknown;
  try {
    await work();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  return caught as AppError;
}

/**
 * Files that are not rosters, or are built to hurt: each is refused with a
 * message that says what the file is and what to do, before anything is
 * written to the store.
 */
describe('RosterService refuses files that are not spreadsheets', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let service: RosterService;

  beforeEach(() => {
    tmp = makeTempDir('autocall-roster-refusal-');
    t = makeTestContext(tmp.dir);
    service = new RosterService(t.ctx);
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  const storeIsEmpty = () => {
    const n = (table: string) => (t.ctx.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect([n('rosters'), n('roster_entries'), n('roster_issues')]).toEqual([0, 0, 0]);
    expect(readdirSync(t.ctx.blobs.dir).filter((f) => f !== '.tmp')).toEqual([]);
    expect(readdirSync(join(t.ctx.blobs.dir, '.tmp'))).toEqual([]);
    expect(t.eventsOf('roster.importProgress')).toEqual([]);
  };

  it('a zip without a workbook renamed to .xlsx', async () => {
    const err = await refusal(() => service.analyze({ path: writeRenamedZip(tmp.dir, 'Promotion_List_202601.xlsx') }));
    expect(err.code).toBe('roster.notSpreadsheet');
    expect(err.message).toContain('"Promotion_List_202601.xlsx" is not a spreadsheet (it is a zip archive without an Excel workbook inside)');
    expect(err.message).toContain('save it as Excel Workbook (.xlsx) or CSV UTF-8');
    storeIsEmpty();
  });

  it('a Word document renamed to .xlsx', async () => {
    const err = await refusal(() => service.analyze({ path: writeRenamedDocx(tmp.dir, 'list.xlsx') }));
    expect(err.code).toBe('roster.notSpreadsheet');
    expect(err.params).toMatchObject({ what: 'it is a Word document' });
    storeIsEmpty();
  });

  it('a workbook saved as .xlsx but named .csv is read as the workbook it is', async () => {
    const xlsx = await writeXlsx(tmp.dir, 'roster.xlsx', [['Name', 'Phone'], ['Budi', '081234567890']]);
    const csv = join(tmp.dir, 'roster.csv');
    renameSync(xlsx, csv);
    const analysis = await service.analyze({ path: csv });
    expect(analysis.kind === 'staged' && analysis.sample.map((e) => e.phoneE164)).toEqual(['+6281234567890']);
  });

  it('a damaged zip', async () => {
    const zip = buildZip(workbookParts());
    const err = await refusal(() => service.analyze({ path: writeBytes(tmp.dir, 'cut.xlsx', zip.subarray(0, zip.length - 30)) }));
    expect(err.code).toBe('roster.notSpreadsheet');
    expect(err.message).toContain('not a readable zip archive');
    storeIsEmpty();
  });

  // Inflating 200 MB of zeros takes ~0.2 s and 2 GB ~2 s on a workstation; reading a zip directory takes milliseconds.
  it('a zip bomb that declares its size: 200 MB of zeros in ~200 KB, refused from the zip directory by its compression ratio', async () => {
    const { path, compressedBytes } = writeZipBomb(tmp.dir, 'bomb.xlsx', 200, 'honest');
    expect(compressedBytes).toBeLessThan(400_000);
    const started = performance.now();
    const err = await refusal(() => service.analyze({ path }));
    const elapsedMs = performance.now() - started;
    expect(err.code).toBe('roster.unsafeArchive');
    expect(err.params).toMatchObject({ fileName: 'bomb.xlsx', uncompressedMb: '200' });
    expect(err.message).toContain('zip bomb');
    expect(elapsedMs).toBeLessThan(150);
    storeIsEmpty();
  });

  it('a zip bomb that declares 2 GB, refused by the total size before anything is inflated', async () => {
    const { path } = writeZipBomb(tmp.dir, 'huge.xlsx', 2000, 'honest');
    const started = performance.now();
    const err = await refusal(() => service.analyze({ path }));
    // Not a speed test: inflating the whole 2 GB takes ~9 s on a 2-core machine, stopping early well under 1 s.
    expect(performance.now() - started).toBeLessThan(4000);
    expect(err.code).toBe('roster.unsafeArchive');
    expect(err.params).toMatchObject({ uncompressedMb: '2000' });
    storeIsEmpty();
  });

  it('a zip bomb that lies about its size (declares 10 KB, holds 2 GB): inflating stops just past the declared size', async () => {
    const { path } = writeZipBomb(tmp.dir, 'liar.xlsx', 2000, 10_000);
    const started = performance.now();
    const err = await refusal(() => service.analyze({ path }));
    // Not a speed test: inflating the whole 2 GB takes ~9 s on a 2-core machine, stopping early well under 1 s.
    expect(performance.now() - started).toBeLessThan(4000);
    expect(err.code).toBe('roster.unsafeArchive');
    expect(err.params).toEqual({ fileName: 'liar.xlsx', part: 'xl/worksheets/sheet1.xml' });
    expect(err.message).toContain('built to exhaust memory (a zip bomb)');
    storeIsEmpty();
  });

  it('a workbook part that holds less than its zip directory declares is damaged', async () => {
    const sheet = Buffer.from('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>');
    const zip = buildZip([...workbookParts(), { name: 'xl/worksheets/sheet1.xml', data: sheet, declaredSize: sheet.length + 100 }]);
    const err = await refusal(() => service.analyze({ path: writeBytes(tmp.dir, 'short.xlsx', zip) }));
    expect(err.code).toBe('roster.unreadable');
    expect(err.message).toContain('the part xl/worksheets/sheet1.xml is damaged');
    storeIsEmpty();
  });

  it('a workbook whose declared sizes add up past the limit', async () => {
    service = new RosterService(t.ctx, { limits: { maxUncompressedBytes: 50 * 1024 * 1024 } });
    const { path } = writeZipBomb(tmp.dir, 'big.xlsx', 60, 'honest');
    const err = await refusal(() => service.analyze({ path }));
    expect(err.code).toBe('roster.unsafeArchive');
    expect(err.params).toMatchObject({ uncompressedMb: '60' });
    storeIsEmpty();
  });

  it('a small, honest, highly compressible sheet is not a bomb', async () => {
    // 5 MB of zeros compress 1000:1 but stay under the size where the ratio matters; exceljs then finds no rows.
    const { path } = writeZipBomb(tmp.dir, 'zeros.xlsx', 5, 'honest');
    const err = await refusal(() => service.analyze({ path }));
    expect(err.code).not.toBe('roster.unsafeArchive');
  });

  it('a password-protected workbook (an OLE file holding an EncryptedPackage)', async () => {
    const err = await refusal(() => service.analyze({ path: writeCfb(tmp.dir, 'Promotion_List_202601.xlsx', 'encrypted') }));
    expect(err.code).toBe('roster.passwordProtected');
    expect(err.message).toContain('password-protected');
    expect(err.message).toContain('remove the password');
    storeIsEmpty();
  });

  it.each(['old.xls', 'old.xlsx'])('an Excel 97-2003 workbook named %s', async (fileName) => {
    const err = await refusal(() => service.analyze({ path: writeCfb(tmp.dir, fileName, 'xls') }));
    expect(err.code).toBe('roster.legacyXls');
    expect(err.message).toContain('save it as Excel Workbook (.xlsx) or CSV UTF-8');
    storeIsEmpty();
  });

  it('random bytes named .csv', async () => {
    const err = await refusal(() => service.analyze({ path: writeRandomBytes(tmp.dir, 'roster.csv') }));
    expect(err.code).toBe('roster.notSpreadsheet');
    expect(err.params).toMatchObject({ what: 'it is a binary file of an unknown kind' });
    storeIsEmpty();
  });

  it('random bytes named .xlsx', async () => {
    const err = await refusal(() => service.analyze({ path: writeRandomBytes(tmp.dir, 'roster.xlsx') }));
    expect(err.code).toBe('roster.notSpreadsheet');
    storeIsEmpty();
  });

  it('a PDF named .csv', async () => {
    const err = await refusal(() => service.analyze({ path: writeBytes(tmp.dir, 'roster.csv', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00', 'latin1')) }));
    expect(err.code).toBe('roster.notSpreadsheet');
    expect(err.params).toMatchObject({ what: 'it is a PDF document' });
  });

  it('a csv saved as UTF-16 ("Unicode Text") or in a legacy code page', async () => {
    const utf16 = writeBytes(tmp.dir, 'utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Name\tPhone\r\nBudi\t0812\r\n', 'utf16le')]));
    // UTF-16 text has NUL bytes: refused by what it is, with the encoding named.
    const err16 = await refusal(() => service.analyze({ path: utf16 }));
    expect(err16.code).toBe('roster.notSpreadsheet');
    expect(err16.params).toMatchObject({ what: 'it is UTF-16 text' });
    const gbk = writeBytes(tmp.dir, 'gbk.csv', Buffer.from([0xd0, 0xd5, 0xc3, 0xfb, 0x2c, 0x50, 0x68, 0x6f, 0x6e, 0x65, 0x0d, 0x0a])); // 姓名,Phone in GBK
    const errGbk = await refusal(() => service.analyze({ path: gbk }));
    expect(errGbk.code).toBe('roster.csvEncoding');
    expect(errGbk.message).toContain('CSV UTF-8');
    storeIsEmpty();
  });

  it('a csv with an unclosed quote that swallows the rest of the file', async () => {
    const path = writeCsv(tmp.dir, 'quote.csv', ['Name,Phone', '"Budi,081234567890', 'Sari,081311112222']);
    const err = await refusal(() => service.analyze({ path }));
    expect(err.code).toBe('roster.csvMalformed');
    expect(err.message).toContain('stray quote');
    storeIsEmpty();
  });

  it('a csv with an unclosed quote names the row where the quote opened', async () => {
    const path = writeCsv(tmp.dir, 'quote.csv', ['Name,Phone', 'Budi,081234567890', '"Sari,081311112222', 'Andi,081399998888']);
    const err = await refusal(() => service.analyze({ path }));
    // The row where the quoted field opened: the parser reads to the end looking for its close.
    expect(err.params).toMatchObject({ fileName: 'quote.csv', line: 3 });
    expect(err.message).toContain('Quoted field unterminated');
  });

  it('a csv field whose closing quote is followed by more text is refused, naming its row', async () => {
    const path = writeCsv(tmp.dir, 'quote.csv', ['Name,Phone', 'Budi,081234567890', '"Sari" Dewi,081311112222', 'Andi,081399998888']);
    const err = await refusal(() => service.analyze({ path }));
    expect(err.code).toBe('roster.csvMalformed');
    expect(err.params).toMatchObject({ fileName: 'quote.csv', line: 3 });
    storeIsEmpty();
  });

  it('an unclosed quote is refused as soon as its field outgrows any cell, not held to the end of a large file', async () => {
    service = new RosterService(t.ctx, { limits: { maxCellLength: 100 } });
    const lines = ['Name,Phone', 'Budi,081234567890', '"Sari,081311112222'];
    for (let i = 0; i < 50_000; i++) lines.push(`Customer ${i},08${1_200_000_000 + i}`);
    const err = await refusal(() => service.analyze({ path: writeCsv(tmp.dir, 'open.csv', lines) }));
    // At the end of the file it would be "unterminated" (csvMalformed); the guard stops it first.
    expect(err.code).toBe('roster.cellTooLong');
    expect(err.params).toMatchObject({ fileName: 'open.csv', rowNumber: 3, maxCellLength: 100 });
    storeIsEmpty();
  });

  it('a csv record far longer than the cell limit is stopped by the parser, naming its row', async () => {
    service = new RosterService(t.ctx, { limits: { maxCellLength: 100 } });
    const path = writeCsv(tmp.dir, 'huge.csv', ['Name,Phone', 'Budi,081234567890', `${'x'.repeat(2000)},081311112222`]);
    const err = await refusal(() => service.analyze({ path }));
    expect(err.code).toBe('roster.cellTooLong');
    expect(err.params).toMatchObject({ fileName: 'huge.csv', rowNumber: 3, maxCellLength: 100 });
    storeIsEmpty();
  });

  it('another file type', async () => {
    const err = await refusal(() => service.analyze({ path: writeBytes(tmp.dir, 'roster.txt', Buffer.from('Phone\n0812\n')) }));
    expect(err.code).toBe('roster.unsupportedFormat');
    expect(err.params).toMatchObject({ extension: 'txt' });
  });

  it('a file that does not exist', async () => {
    const err = await refusal(() => service.analyze({ path: join(tmp.dir, 'missing.csv') }));
    expect(err.code).toBe('roster.missing');
    expect(err.message).toContain('"missing.csv" cannot be opened');
    storeIsEmpty();
  });
});
