import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RosterAnalysis, RosterEntry, RosterIssue } from '../../shared/types.js';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { csvField, writeCsv, writeXlsx } from '../../tests/support/rosterFiles.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { AppError } from '../errors.js';
import { sha256Hex } from '../files/blobStore.js';
import { RosterService, type RosterServiceOptions } from './rosterService.js';

async function refusal(work: () => Promise<unknown> | unknown): Promise<AppError> {
  let caught: unknown;
  try {
    await work();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  return caught as AppError;
}

type Staged = Extract<RosterAnalysis, { kind: 'staged' }>;

function staged(analysis: RosterAnalysis): Staged {
  expect(analysis.kind).toBe('staged');
  return analysis as Staged;
}

describe('RosterService', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let now: number;
  let inUse: Set<number>;
  let service: RosterService;

  const make = (options: Omit<RosterServiceOptions, 'isInUse'> = {}) => new RosterService(t.ctx, { ...options, isInUse: (id) => inUse.has(id) });

  beforeEach(() => {
    tmp = makeTempDir('autocall-roster-');
    now = Date.UTC(2026, 0, 15, 3, 0, 0);
    t = makeTestContext(tmp.dir, { clock: { now: () => now } });
    inUse = new Set();
    service = make();
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  const count = (table: string) => (t.ctx.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const blobFiles = () => readdirSync(t.ctx.blobs.dir).filter((f) => f !== '.tmp');
  const tempFiles = () => readdirSync(join(t.ctx.blobs.dir, '.tmp'));
  const allEntries = (id: number): RosterEntry[] => service.entries(id, 1, 1_000_000).items;
  const allIssues = (id: number): RosterIssue[] => service.issues(id, 1, 1_000_000).items;

  describe('finds the phone column', () => {
    it.each([
      ['English', ['Name', 'Phone', 'Amount'], 'Phone'],
      ['English, "Mobile Number"', ['Customer', 'Mobile Number', 'City'], 'Mobile Number'],
      ['Indonesian', ['Nama', 'Nomor HP', 'Kota'], 'Nomor HP'],
      ['Indonesian, "No. Telepon"', ['No', 'Nama', 'No. Telepon'], 'No. Telepon'],
      ['Chinese', ['姓名', '手机号', '金额'], '手机号'],
      ['Chinese, "电话"', ['姓名', '城市', '电话'], '电话'],
    ])('in an xlsx with %s headers', async (_label, headers, phoneHeader) => {
      const phoneAt = headers.indexOf(phoneHeader);
      const row = (name: string, phone: string, other: string) => headers.map((_, i) => (i === phoneAt ? phone : i === 0 ? name : other));
      const path = await writeXlsx(tmp.dir, 'Promotion_List_202601.xlsx', [headers, row('Budi', '0812-3456-7890', 'x1'), row('Sari', '+62 813 1111 2222', 'x2')]);
      const a = staged(await service.analyze({ path }));
      expect(a.roster).toMatchObject({ phoneColumn: phoneHeader, columns: headers, status: 'staged', totalRows: 2, validCount: 2, invalidCount: 0 });
      expect(a.sample.map((e) => e.phoneE164)).toEqual(['+6281234567890', '+6281311112222']);
      const others = headers.filter((h) => h !== phoneHeader);
      expect(a.sample[0]!.variables).toEqual(Object.fromEntries(others.map((h, i) => [h, i === 0 && headers[0] !== phoneHeader ? 'Budi' : 'x1'])));
    });

    it('in a csv with Chinese headers (UTF-8 with BOM, as Excel saves "CSV UTF-8")', async () => {
      const path = writeCsv(tmp.dir, '名单.csv', ['姓名,电话,城市', '王伟,0812 3456 7890,雅加达'], { bom: true });
      const a = staged(await service.analyze({ path }));
      expect(a.roster.columns).toEqual(['姓名', '电话', '城市']);
      expect(a.roster.phoneColumn).toBe('电话');
      expect(a.sample).toEqual([{ rowNumber: 2, phoneE164: '+6281234567890', phoneRaw: '0812 3456 7890', variables: { 姓名: '王伟', 城市: '雅加达' } }]);
    });

    it('in a UTF-8 csv whose characters fall across the chunks it is read in', async () => {
      // Reads are 256 KiB: pad the first name until a 3-byte character straddles the first boundary.
      const rows = Array.from({ length: 12_000 }, (_, i) => `王伟${i},08${1_200_000_000 + i}`);
      let text = '';
      for (let pad = 0; ; pad++) {
        text = ['姓名,电话', 'x'.repeat(pad) + rows[0], ...rows.slice(1)].join('\r\n') + '\r\n';
        if ((Buffer.from(text)[256 * 1024]! & 0xc0) === 0x80) break;
      }
      const path = writeCsv(tmp.dir, '名单.csv', text);
      const a = staged(await service.analyze({ path }));
      expect(a.roster).toMatchObject({ totalRows: 12_000, validCount: 12_000, invalidCount: 0 });
      expect(allEntries(a.roster.id).map((e) => e.variables['姓名'])).toEqual(rows.map((r, i) => (i === 0 ? text.split('\r\n')[1]! : r).split(',')[0]));
    });

    it('asks for the phone column when no header names one, then imports with the column the user chose', async () => {
      const path = writeCsv(tmp.dir, 'list.csv', ['Nama,Kota,Kode', 'Budi,Bandung,081234567890', 'Sari,Medan,0813-1111-2222']);
      expect(await service.analyze({ path })).toEqual({ kind: 'needsPhoneColumn', headers: ['Nama', 'Kota', 'Kode'] });
      // Nothing staged while the user chooses.
      expect(count('rosters')).toBe(0);
      expect(blobFiles()).toEqual([]);

      const a = staged(await service.analyze({ path, phoneColumn: ' kode ' }));
      expect(a.roster.phoneColumn).toBe('Kode');
      expect(a.sample.map((e) => [e.rowNumber, e.phoneE164, e.variables])).toEqual([
        [2, '+6281234567890', { Nama: 'Budi', Kota: 'Bandung' }],
        [3, '+6281311112222', { Nama: 'Sari', Kota: 'Medan' }],
      ]);
    });

    it('lets the user override a recognised column', async () => {
      const path = writeCsv(tmp.dir, 'list.csv', ['Name,Phone,WA', 'Budi,021 555 1234,0812 3456 7890']);
      expect(staged(await service.analyze({ path })).sample[0]!.phoneE164).toBe('+62215551234');
      const a = staged(await service.analyze({ path, phoneColumn: 'WA' }));
      expect(a.sample[0]).toMatchObject({ phoneE164: '+6281234567890', variables: { Name: 'Budi', Phone: '021 555 1234' } });
    });

    it('refuses a chosen column that does not exist, naming the real ones', async () => {
      const path = writeCsv(tmp.dir, 'list.csv', ['Nama,Kota', 'Budi,0812 3456 7890']);
      const err = await refusal(() => service.analyze({ path, phoneColumn: 'Telepon' }));
      expect(err.code).toBe('roster.unknownColumn');
      expect(err.message).toContain('Nama, Kota');
      expect(count('rosters')).toBe(0);
    });

    it('names blank and repeated headers so every variable has a key', async () => {
      const path = writeCsv(tmp.dir, 'list.csv', ['Name,Phone,,Name', 'Budi,0812 3456 7890,x,Budiman']);
      const a = staged(await service.analyze({ path }));
      expect(a.roster.columns).toEqual(['Name', 'Phone', 'Column C', 'Name (2)']);
      expect(a.sample[0]!.variables).toEqual({ Name: 'Budi', 'Column C': 'x', 'Name (2)': 'Budiman' });
    });
  });

  describe('reads CSV as Excel writes it', () => {
    it('strips the UTF-8 BOM from the first header', async () => {
      const path = writeCsv(tmp.dir, 'bom.csv', ['Phone,Name', '081234567890,Budi'], { bom: true });
      const a = staged(await service.analyze({ path }));
      expect(a.roster.columns).toEqual(['Phone', 'Name']);
      expect(a.roster.phoneColumn).toBe('Phone');
      expect(readFileSync(path).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    });

    it('reads a semicolon-delimited file (Indonesian Windows list separator), with decimal commas kept', async () => {
      const path = writeCsv(tmp.dir, 'tagihan.csv', ['Nama;No. HP;Jumlah;Jatuh Tempo', 'Budi;0812-3456-7890;1.500.000,50;31/01/2026', 'Sari, S.E.;+62 813 1111 2222;"2,5";01/02/2026']);
      const a = staged(await service.analyze({ path }));
      expect(a.roster.columns).toEqual(['Nama', 'No. HP', 'Jumlah', 'Jatuh Tempo']);
      expect(a.sample.map((e) => [e.phoneE164, e.variables])).toEqual([
        ['+6281234567890', { Nama: 'Budi', Jumlah: '1.500.000,50', 'Jatuh Tempo': '31/01/2026' }],
        ['+6281311112222', { Nama: 'Sari, S.E.', Jumlah: '2,5', 'Jatuh Tempo': '01/02/2026' }],
      ]);
    });

    it('keeps quoted fields with commas, quotes and embedded newlines, numbering rows as Excel shows them', async () => {
      const note = 'Lantai 2\r\nRuko "Maju", Blok B';
      const path = writeCsv(tmp.dir, 'notes.csv', [
        'Name,Phone,Address',
        ['Budi', '0812 3456 7890', note].map((v) => csvField(v)).join(','),
        'Sari,0813 1111 2222,"Jl. Sudirman, 5"',
        'Andi,not a number,"x\ny"',
      ]);
      const a = staged(await service.analyze({ path }));
      expect(allEntries(a.roster.id).map((e) => [e.rowNumber, e.variables['Address']])).toEqual([
        [2, note],
        [3, 'Jl. Sudirman, 5'],
      ]);
      // Row 4 is the fourth record (Excel's row 4), though it starts on line 6 of the text.
      expect(allIssues(a.roster.id)).toEqual([{ rowNumber: 4, phoneRaw: 'not a number', kind: 'invalid', reason: 'notANumber' }]);
    });

    it('skips blank lines but keeps the row numbers of the rows after them', async () => {
      const path = writeCsv(tmp.dir, 'gaps.csv', 'Name,Phone\n\nBudi,081234567890\n,\n\nSari,081311112222\n');
      const a = staged(await service.analyze({ path }));
      expect(a.roster.totalRows).toBe(2);
      expect(a.sample.map((e) => e.rowNumber)).toEqual([3, 6]);
    });

    it('reads line breaks as the header line ends: CR alone (old Mac exports) as well as LF and CRLF', async () => {
      const path = writeCsv(tmp.dir, 'mac.csv', 'Name,Phone\rBudi,081234567890\r"Sari\rDewi",081311112222\r');
      const a = staged(await service.analyze({ path }));
      expect(allEntries(a.roster.id).map((e) => [e.rowNumber, e.variables['Name']])).toEqual([
        [2, 'Budi'],
        [3, 'Sari\rDewi'],
      ]);
    });

    it('accepts rows shorter or longer than the header', async () => {
      const path = writeCsv(tmp.dir, 'ragged.csv', ['Name,Phone,City', 'Budi,081234567890', 'Sari,081311112222,Medan,extra']);
      const a = staged(await service.analyze({ path }));
      expect(a.sample.map((e) => e.variables)).toEqual([
        { Name: 'Budi', City: '' },
        { Name: 'Sari', City: 'Medan' },
      ]);
    });
  });

  describe('normalises numbers, counts duplicates and lists unusable rows', () => {
    const numbers: [string, string][] = [
      ['0812-3456-7890', '+6281234567890'],
      ['+62 813 1111 2222', '+6281311112222'],
      ['6281322223333', '+6281322223333'],
      ['812 4444 5555', '+6281244445555'],
      ["'081255556666", '+6281255556666'],
      ['0857 1234 5678', '+6285712345678'],
      ['(021) 555-1234', '+62215551234'],
      ['+1 202 555 0123', '+12025550123'],
    ];

    it('to E.164 with Indonesia as the default region', async () => {
      const path = writeCsv(tmp.dir, 'shapes.csv', ['Name,Phone', ...numbers.map(([raw], i) => `n${i},${csvField(raw)}`)]);
      const a = staged(await service.analyze({ path }));
      expect(allEntries(a.roster.id).map((e) => [e.phoneRaw, e.phoneE164])).toEqual(numbers);
      expect(a.roster).toMatchObject({ totalRows: numbers.length, validCount: numbers.length, duplicateCount: 0, invalidCount: 0 });
    });

    it('drops the same number typed differently, keeps the first, and reports each row it could not use with its row number and reason', async () => {
      const path = writeCsv(tmp.dir, 'mixed.csv', [
        'Name,Phone', // 1
        'Budi,0812-3456-7890', // 2
        'Sari,', // 3 empty
        'Andi,+62 812 3456 7890', // 4 duplicate of row 2
        'Dewi,12345', // 5 too short
        'Eko,0812-3456-789O', // 6 letter O
        'Fajar,6281234567890', // 7 duplicate of row 2
        'Gita,+62812345678901234567', // 8 too long
        'Hadi,+999 1234 5678', // 9 no such country
        'Indah,0813 1111 2222', // 10
        'Joko,-', // 11 placeholder
        'Kiki,081311112222', // 12 duplicate of row 10
      ]);
      const a = staged(await service.analyze({ path }));
      expect(a.roster).toMatchObject({ totalRows: 11, validCount: 2, duplicateCount: 3, invalidCount: 6 });
      expect(allEntries(a.roster.id).map((e) => [e.rowNumber, e.phoneE164, e.variables['Name']])).toEqual([
        [2, '+6281234567890', 'Budi'],
        [10, '+6281311112222', 'Indah'],
      ]);
      const issues = [
        { rowNumber: 3, phoneRaw: '', kind: 'invalid', reason: 'empty' },
        { rowNumber: 4, phoneRaw: '+62 812 3456 7890', kind: 'duplicate', reason: 'duplicate', duplicateOfRow: 2 },
        { rowNumber: 5, phoneRaw: '12345', kind: 'invalid', reason: 'tooShort' },
        { rowNumber: 6, phoneRaw: '0812-3456-789O', kind: 'invalid', reason: 'notANumber' },
        { rowNumber: 7, phoneRaw: '6281234567890', kind: 'duplicate', reason: 'duplicate', duplicateOfRow: 2 },
        { rowNumber: 8, phoneRaw: '+62812345678901234567', kind: 'invalid', reason: 'tooLong' },
        { rowNumber: 9, phoneRaw: '+999 1234 5678', kind: 'invalid', reason: 'invalidForRegion' },
        { rowNumber: 11, phoneRaw: '-', kind: 'invalid', reason: 'empty' },
        { rowNumber: 12, phoneRaw: '081311112222', kind: 'duplicate', reason: 'duplicate', duplicateOfRow: 10 },
      ];
      expect(a.issues).toEqual(issues);
      expect(service.issues(a.roster.id, 2, 4)).toEqual({ items: issues.slice(4, 8), total: 9, page: 2, pageSize: 4 });
      expect(service.entries(a.roster.id, 2, 1)).toMatchObject({ items: [{ rowNumber: 10 }], total: 2, page: 2, pageSize: 1 });

      // The row a duplicate repeats is recorded as it is imported (migration 0010) ...
      const recorded = t.ctx.db.prepare("SELECT row_number, duplicate_of FROM roster_issues WHERE kind = 'duplicate' ORDER BY row_number").all();
      expect(recorded).toEqual([
        { row_number: 4, duplicate_of: 2 },
        { row_number: 7, duplicate_of: 2 },
        { row_number: 12, duplicate_of: 10 },
      ]);
      // ... and found from the entries for issues imported before it, which have none.
      t.ctx.db.prepare('UPDATE roster_issues SET duplicate_of = NULL').run();
      expect(service.issues(a.roster.id, 1, 100).items).toEqual(issues);
    });

    it('reads phones Excel stored as numbers, in any number format, and dates and formulas in the other columns', async () => {
      const path = await writeXlsx(tmp.dir, 'numeric.xlsx', [
        ['Name', 'Phone', 'Amount', 'Due date'],
        ['Budi', 6281234567890, 150000, new Date(Date.UTC(2026, 0, 31))],
        ['Sari', 81311112222, 99.5, new Date(Date.UTC(2026, 1, 1, 14, 30))],
        ['Andi', { value: 6281322223333, numFmt: '0.00E+00' }, { value: 1234.5, numFmt: '#,##0.00' }, { value: 'none', numFmt: '@' }],
        ['Dewi', { value: 6.2812444455550e12, numFmt: '0' }, { value: { formula: 'C2*2', result: 300000 }, numFmt: 'General' }, null],
        ['Eko', '6.28123E+12', 1, null],
        ['Fajar', { value: '081255556666', numFmt: '@' }, true, null],
      ]);
      const a = staged(await service.analyze({ path }));
      expect(allEntries(a.roster.id).map((e) => [e.rowNumber, e.phoneRaw, e.phoneE164, e.variables])).toEqual([
        [2, '6281234567890', '+6281234567890', { Name: 'Budi', Amount: '150000', 'Due date': '2026-01-31' }],
        [3, '81311112222', '+6281311112222', { Name: 'Sari', Amount: '99.5', 'Due date': '2026-02-01 14:30:00' }],
        [4, '6281322223333', '+6281322223333', { Name: 'Andi', Amount: '1234.5', 'Due date': 'none' }],
        [5, '6281244445555', '+6281244445555', { Name: 'Dewi', Amount: '300000', 'Due date': '' }],
        [7, '081255556666', '+6281255556666', { Name: 'Fajar', Amount: 'TRUE', 'Due date': '' }],
      ]);
      // A number Excel already turned into scientific text has lost digits: refused, not guessed.
      expect(allIssues(a.roster.id)).toEqual([{ rowNumber: 6, phoneRaw: '6.28123E+12', kind: 'invalid', reason: 'notANumber' }]);
    });

    it('reads the first visible sheet of a workbook', async () => {
      const path = await writeXlsx(tmp.dir, 'tabs.xlsx', [
        { name: 'Settings', rows: [['Phone'], ['0899 0000 0000']], state: 'hidden' },
        { name: 'Roster', rows: [['Nama', 'Nomor HP'], ['Budi', '0812 3456 7890']] },
        { name: 'Other', rows: [['Phone'], ['0813 1111 2222']] },
      ]);
      const a = staged(await service.analyze({ path }));
      expect(a.sample.map((e) => [e.phoneE164, e.variables])).toEqual([['+6281234567890', { Nama: 'Budi' }]]);
    });

    it('skips empty rows of a sheet and keeps the sheet row numbers', async () => {
      const path = await writeXlsx(tmp.dir, 'gaps.xlsx', [['Name', 'Phone'], ['Budi', '081234567890'], [], [null, '  '], ['Sari', 'abc']]);
      const a = staged(await service.analyze({ path }));
      expect(a.roster).toMatchObject({ totalRows: 2, validCount: 1, invalidCount: 1 });
      expect(a.issues).toEqual([{ rowNumber: 5, phoneRaw: 'abc', kind: 'invalid', reason: 'notANumber' }]);
    });
  });

  describe('refuses files with nothing to import', () => {
    it('an empty csv file', async () => {
      const path = writeCsv(tmp.dir, 'empty.csv', '');
      expect((await refusal(() => service.analyze({ path }))).code).toBe('roster.empty');
    });

    it('a csv of blank lines', async () => {
      const path = writeCsv(tmp.dir, 'blank.csv', '\r\n\r\n,,\r\n');
      expect((await refusal(() => service.analyze({ path }))).code).toBe('roster.empty');
    });

    it('a workbook with an empty sheet', async () => {
      const path = await writeXlsx(tmp.dir, 'empty.xlsx', [{ name: 'Sheet1', rows: [] }]);
      expect((await refusal(() => service.analyze({ path }))).code).toBe('roster.empty');
    });

    it.each(['csv', 'xlsx'])('a %s with only the header row, naming its columns', async (format) => {
      const path =
        format === 'csv' ? writeCsv(tmp.dir, 'header.csv', ['Nama,Nomor HP,Kota']) : await writeXlsx(tmp.dir, 'header.xlsx', [['Nama', 'Nomor HP', 'Kota']]);
      const err = await refusal(() => service.analyze({ path }));
      expect(err.code).toBe('roster.noDataRows');
      expect(err.message).toContain('Nama, Nomor HP, Kota');
      expect(count('rosters')).toBe(0);
      expect(blobFiles()).toEqual([]);
      expect(tempFiles()).toEqual([]);
    });

    it('confirm of a roster without one usable number', async () => {
      const path = writeCsv(tmp.dir, 'bad.csv', ['Name,Phone', 'Budi,abc', 'Sari,']);
      const a = staged(await service.analyze({ path }));
      const err = await refusal(() => service.confirm(a.roster.id));
      expect(err.code).toBe('roster.noValidRows');
      expect(err.params).toMatchObject({ invalidCount: 2, duplicateCount: 0 });
      expect(service.get(a.roster.id).status).toBe('staged');
    });
  });

  describe('streams large files', () => {
    it('emits progress while importing and a last event at 100%', async () => {
      const lines = ['Name,Phone,Amount'];
      for (let i = 0; i < 30_000; i++) lines.push(`Customer ${i},08${String(1_200_000_000 + i)},${i * 1000}`);
      const path = writeCsv(tmp.dir, 'big.csv', lines);
      const size = readFileSync(path).length;
      const a = staged(await service.analyze({ path }));
      expect(a.roster).toMatchObject({ totalRows: 30_000, validCount: 30_000 });
      expect(a.sample).toHaveLength(20);
      const progress = t.eventsOf('roster.importProgress');
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress.at(-1)).toEqual({ fileName: 'big.csv', bytesRead: size, totalBytes: size, rowsRead: 30_000 });
      for (let i = 1; i < progress.length; i++) {
        expect(progress[i]!.rowsRead).toBeGreaterThanOrEqual(progress[i - 1]!.rowsRead);
        expect(progress[i]!.bytesRead).toBeGreaterThanOrEqual(progress[i - 1]!.bytesRead);
        expect(progress[i]!.bytesRead).toBeLessThanOrEqual(size);
      }
      expect(allEntries(a.roster.id).at(-1)).toMatchObject({ rowNumber: 30_001, phoneE164: '+628' + String(1_200_000_000 + 29_999) });
    });
  });

  describe('leaves nothing behind when an import fails', () => {
    it('a csv that turns out not to be UTF-8 after 25,000 rows (after rows were written and the copy started)', async () => {
      const head = ['Name,Phone'];
      for (let i = 0; i < 25_000; i++) head.push(`Customer ${i},08${String(1_200_000_000 + i)}`);
      const path = join(tmp.dir, 'latin1.csv');
      // "José" in Windows-1252: 0xE9 alone is not UTF-8; far past the 64 KB the sniffer looks at.
      writeFileSync(path, Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n'), Buffer.from('Jos\xe9,081299990000\r\n', 'latin1')]));
      const err = await refusal(() => service.analyze({ path }));
      expect(err.code).toBe('roster.csvEncoding');
      expect([count('rosters'), count('roster_entries'), count('roster_issues')]).toEqual([0, 0, 0]);
      expect(blobFiles()).toEqual([]);
      expect(tempFiles()).toEqual([]);
    });

    it('a workbook with more rows than the limit', async () => {
      const rows: (string | number)[][] = [['Name', 'Phone']];
      for (let i = 0; i < 150; i++) rows.push([`C${i}`, `08${1_200_000_000 + i}`]);
      const path = await writeXlsx(tmp.dir, 'long.xlsx', rows);
      service = make({ limits: { maxRows: 100 } });
      const err = await refusal(() => service.analyze({ path }));
      expect(err.code).toBe('roster.tooManyRows');
      expect([count('rosters'), count('roster_entries'), count('roster_issues')]).toEqual([0, 0, 0]);
      expect(blobFiles()).toEqual([]);
    });

    it('a csv whose row 12,001 has too many columns; an earlier roster of the same file keeps its copy', async () => {
      const lines = ['Name,Phone'];
      for (let i = 0; i < 12_000; i++) lines.push(`Customer ${i},08${1_200_000_000 + i}`);
      const good = writeCsv(tmp.dir, 'good.csv', lines);
      const kept = service.confirm(staged(await service.analyze({ path: good })).roster.id);
      expect(blobFiles()).toEqual([`${sha256Hex(readFileSync(good))}.csv`]);

      const wide = writeCsv(tmp.dir, 'wide.csv', [...lines, 'X,' + Array.from({ length: 600 }, () => '1').join(',')]);
      const err = await refusal(() => service.analyze({ path: wide }));
      expect(err.code).toBe('roster.tooManyColumns');
      expect(err.params).toMatchObject({ columns: 601, maxColumns: 500 });
      expect(count('rosters')).toBe(1);
      expect(count('roster_entries')).toBe(12_000);
      expect(blobFiles()).toEqual([`${sha256Hex(readFileSync(good))}.csv`]);
      expect(service.list().map((r) => r.id)).toEqual([kept.id]);
    });

    it('a csv header with too many columns', async () => {
      const path = writeCsv(tmp.dir, 'header.csv', [Array.from({ length: 501 }, (_, i) => `c${i}`).join(','), '1']);
      const err = await refusal(() => service.analyze({ path }));
      expect(err.code).toBe('roster.tooManyColumns');
      expect(err.message).toContain('501 columns');
      expect(count('rosters')).toBe(0);
    });

    it('a cell longer than Excel allows', async () => {
      const path = writeCsv(tmp.dir, 'long.csv', ['Name,Phone', `${'x'.repeat(40_000)},081234567890`]);
      const err = await refusal(() => service.analyze({ path }));
      expect(err.code).toBe('roster.cellTooLong');
      expect(count('rosters')).toBe(0);
      expect(blobFiles()).toEqual([]);
    });
  });

  describe('lifecycle', () => {
    const twoRows = () => writeCsv(tmp.dir, 'Promotion_List_202601.csv', ['Name,Phone', 'Budi,081234567890', 'Sari,081311112222']);

    it('a staged import is not listed until confirmed; confirm makes it ready and keeps the source file', async () => {
      const path = twoRows();
      const a = staged(await service.analyze({ path, name: '  January 2026 Promotion  ' }));
      expect(a.roster).toMatchObject({ name: 'January 2026 Promotion', sourceFileName: 'Promotion_List_202601.csv', status: 'staged', createdAt: now, inUse: false });
      expect(service.list()).toEqual([]);
      const ready = service.confirm(a.roster.id);
      expect(ready).toEqual({ ...a.roster, status: 'ready' });
      expect(service.confirm(a.roster.id)).toEqual(ready);
      expect(service.list()).toEqual([ready]);
      const sha = sha256Hex(readFileSync(path));
      expect(blobFiles()).toEqual([`${sha}.csv`]);
      expect(readFileSync(t.ctx.blobs.path(sha, 'csv'))).toEqual(readFileSync(path));
    });

    it('the roster is named after the file when no name is given', async () => {
      expect(staged(await service.analyze({ path: twoRows() })).roster.name).toBe('Promotion_List_202601.csv');
    });

    it('discard deletes a staged import with its rows and file; a ready roster cannot be discarded', async () => {
      const path = twoRows();
      const a = staged(await service.analyze({ path }));
      service.discard(a.roster.id);
      expect([count('rosters'), count('roster_entries'), count('roster_issues')]).toEqual([0, 0, 0]);
      expect(blobFiles()).toEqual([]);
      expect((await refusal(() => service.get(a.roster.id))).code).toBe('roster.notFound');

      const b = staged(await service.analyze({ path }));
      service.confirm(b.roster.id);
      expect((await refusal(() => service.discard(b.roster.id))).code).toBe('roster.notStaged');
      expect(service.list()).toHaveLength(1);
    });

    it('remove is refused while an unfinished task uses the roster, then allowed', async () => {
      const a = staged(await service.analyze({ path: twoRows() }));
      const id = service.confirm(a.roster.id).id;
      inUse.add(id);
      expect(service.get(id).inUse).toBe(true);
      const err = await refusal(() => service.remove(id));
      expect(err.code).toBe('roster.inUse');
      expect(err.message).toContain('Promotion_List_202601.csv');
      expect(count('roster_entries')).toBe(2);
      expect(blobFiles()).toHaveLength(1);

      inUse.delete(id);
      service.remove(id);
      expect([count('rosters'), count('roster_entries')]).toEqual([0, 0]);
      expect(blobFiles()).toEqual([]);
      expect((await refusal(() => service.remove(id))).code).toBe('roster.notFound');
    });

    it('two rosters from the same file share its copy until the last one is removed', async () => {
      const path = twoRows();
      const first = service.confirm(staged(await service.analyze({ path })).roster.id);
      const second = service.confirm(staged(await service.analyze({ path, name: 'again' })).roster.id);
      service.remove(first.id);
      expect(blobFiles()).toHaveLength(1);
      service.remove(second.id);
      expect(blobFiles()).toEqual([]);
    });

    it('sweepStaged deletes staged imports older than an hour, and nothing else', async () => {
      const path = twoRows();
      const old = staged(await service.analyze({ path, name: 'old' }));
      const kept = service.confirm(staged(await service.analyze({ path, name: 'kept' })).roster.id);
      now += 61 * 60 * 1000;
      const fresh = staged(await service.analyze({ path, name: 'fresh' }));
      expect(service.sweepStaged()).toBe(1);
      expect(t.ctx.db.prepare('SELECT id FROM rosters ORDER BY id').pluck().all()).toEqual([kept.id, fresh.roster.id]);
      expect((await refusal(() => service.get(old.roster.id))).code).toBe('roster.notFound');
      expect(count('roster_entries')).toBe(4);
      expect(service.sweepStaged()).toBe(0);
      expect(service.sweepStaged(0)).toBe(1);
      expect(service.list().map((r) => r.id)).toEqual([kept.id]);
      expect(blobFiles()).toHaveLength(1);
    });

    it('a staged import left by a crash, with its file, is swept at the next start', async () => {
      const path = twoRows();
      const a = staged(await service.analyze({ path }));
      now += 2 * 60 * 60 * 1000;
      expect(make().sweepStaged()).toBe(1);
      expect((await refusal(() => service.get(a.roster.id))).code).toBe('roster.notFound');
      expect(blobFiles()).toEqual([]);
    });

    it('lists ready rosters newest first', async () => {
      const path = twoRows();
      const a = service.confirm(staged(await service.analyze({ path, name: 'a' })).roster.id);
      now += 1000;
      const b = service.confirm(staged(await service.analyze({ path, name: 'b' })).roster.id);
      expect(service.list().map((r) => r.name)).toEqual([b.name, a.name]);
    });
  });
});
