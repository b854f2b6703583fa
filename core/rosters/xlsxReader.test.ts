import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { writeBytes } from '../../tests/support/rosterFiles.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { AppError } from '../errors.js';
import { DEFAULT_ROSTER_LIMITS, type RosterLimits } from './rosterLimits.js';
import { RosterService } from './rosterService.js';
import type { SheetRow } from './sheetRows.js';
import { buildZip, type TestZipEntry } from '../../tests/support/testZip.js';
import { cellValueText, columnIndex, readXlsxRows } from './xlsxReader.js';
import { decodeEscapes, isDateFormatCode, resolveTarget } from './xlsxParts.js';

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const xml = (body: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`);

/**
 * A workbook written part by part, as Excel and other writers lay it out
 * (ECMA-376 Part 1 §18): three sheets in tab order, the first hidden, so the
 * one to read is the second tab, stored as sheet3.xml. Its cells use shared
 * strings (plain, rich text, with a phonetic guide), inline strings (plain
 * and rich), numbers, a date format, booleans, errors, formulas with cached
 * results, cells without references and skipped columns.
 */
function workbookParts(options: { prefix?: string; date1904?: boolean } = {}): TestZipEntry[] {
  const p = options.prefix ? `${options.prefix}:` : '';
  const ns = options.prefix ? `xmlns:${options.prefix}="${MAIN}"` : `xmlns="${MAIN}"`;
  const workbook = xml(
    `<${p}workbook ${ns} xmlns:r="${REL}">${options.date1904 ? `<${p}workbookPr date1904="1"/>` : '<workbookPr/>'.replace('<', `<${p}`)}<${p}sheets>` +
      `<${p}sheet name="Settings" sheetId="1" state="hidden" r:id="rId1"/>` +
      `<${p}sheet name="Daftar" sheetId="2" r:id="rId3"/>` +
      `<${p}sheet name="Other" sheetId="3" r:id="rId2"/>` +
      `</${p}sheets></${p}workbook>`,
  );
  const rels = xml(
    `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
      `<Relationship Id="rId2" Type="${REL}/worksheet" Target="/xl/worksheets/sheet2.xml"/>` +
      `<Relationship Id="rId3" Type="${REL}/worksheet" Target="worksheets/sheet3.xml"/>` +
      `<Relationship Id="rId4" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>` +
      `<Relationship Id="rId5" Type="${REL}/styles" Target="styles.xml"/>` +
      `</Relationships>`,
  );
  const styles = xml(
    `<${p}styleSheet ${ns}><${p}numFmts count="1"><${p}numFmt numFmtId="164" formatCode="dd/mm/yyyy\\ hh:mm"/></${p}numFmts>` +
      `<${p}cellStyleXfs count="1"><${p}xf numFmtId="14"/></${p}cellStyleXfs>` +
      `<${p}cellXfs count="4"><${p}xf numFmtId="0"/><${p}xf numFmtId="14" applyNumberFormat="1"/><${p}xf numFmtId="164"/><${p}xf numFmtId="3"/></${p}cellXfs>` +
      `</${p}styleSheet>`,
  );
  const shared = xml(
    `<${p}sst ${ns} count="6" uniqueCount="6">` +
      `<${p}si><${p}t>Nama</${p}t></${p}si>` +
      `<${p}si><${p}t>Nomor HP</${p}t></${p}si>` +
      `<${p}si><${p}r><${p}rPr><${p}b/></${p}rPr><${p}t>Budi </${p}t></${p}r><${p}r><${p}t xml:space="preserve">Santoso</${p}t></${p}r></${p}si>` +
      `<${p}si><${p}t>0812-3456-7890</${p}t></${p}si>` +
      `<${p}si><${p}t>王伟</${p}t><${p}rPh sb="0" eb="2"><${p}t>ワンウェイ</${p}t></${p}rPh></${p}si>` +
      `<${p}si><${p}t>Line one_x000D_&amp; two</${p}t></${p}si>` +
      `</${p}sst>`,
  );
  const sheet = (rows: string) => xml(`<${p}worksheet ${ns}><${p}sheetData>${rows}</${p}sheetData></${p}worksheet>`);
  const hidden = sheet(`<${p}row r="1"><${p}c r="A1" t="inlineStr"><${p}is><${p}t>Phone</${p}t></${p}is></${p}c></${p}row>`);
  const other = sheet(`<${p}row r="1"><${p}c r="A1" t="inlineStr"><${p}is><${p}t>Other</${p}t></${p}is></${p}c></${p}row>`);
  const roster = sheet(
    // Header: shared strings, a cell without a reference, an inline string.
    `<${p}row r="1"><${p}c r="A1" t="s"><${p}v>0</${p}v></${p}c><${p}c t="s"><${p}v>1</${p}v></${p}c><${p}c r="C1" t="inlineStr"><${p}is><${p}t>Tanggal</${p}t></${p}is></${p}c><${p}c r="D1" t="inlineStr"><${p}is><${p}t>Catatan</${p}t></${p}is></${p}c></${p}row>` +
      // Rich shared string, shared phone, a date (built-in 14), a formula with a cached number.
      `<${p}row r="2"><${p}c r="A2" t="s"><${p}v>2</${p}v></${p}c><${p}c r="B2" t="s"><${p}v>3</${p}v></${p}c><${p}c r="C2" s="1"><${p}v>46053</${p}v></${p}c><${p}c r="D2" s="3"><${p}f>1+1</${p}f><${p}v>2</${p}v></${p}c></${p}row>` +
      // An empty row Excel keeps for its format, then a row without a number (follows the previous: 4).
      `<${p}row r="3" ht="20" customHeight="1"><${p}c r="A3" s="2"/></${p}row>` +
      `<${p}row><${p}c r="A4" t="s"><${p}v>4</${p}v></${p}c><${p}c r="B4"><${p}v>81311112222</${p}v></${p}c><${p}c r="C4" s="2"><${p}v>46053.5</${p}v></${p}c><${p}c r="D4" t="str"><${p}f>A4&amp;"!"</${p}f><${p}v>王伟!</${p}v></${p}c></${p}row>` +
      // Rich inline string, a skipped column (C), an error, a boolean formula result.
      `<${p}row r="7"><${p}c r="A7" t="inlineStr"><${p}is><${p}r><${p}t>Sari</${p}t></${p}r><${p}r><${p}t> Dewi</${p}t></${p}r></${p}is></${p}c><${p}c r="B7" t="e"><${p}v>#N/A</${p}v></${p}c><${p}c r="D7" t="b"><${p}f>TRUE()</${p}f><${p}v>1</${p}v></${p}c></${p}row>` +
      // An escaped carriage return and an entity in a shared string, a strict-style ISO date, a formula without a cached value.
      `<${p}row r="8"><${p}c r="A8" t="s"><${p}v>5</${p}v></${p}c><${p}c r="B8" t="inlineStr"><${p}is><${p}t>+62 877 0000 1111</${p}t></${p}is></${p}c><${p}c r="C8" t="d"><${p}v>2026-02-01T08:30:00</${p}v></${p}c><${p}c r="D8"><${p}f>NOW()</${p}f></${p}c></${p}row>`,
  );
  return [
    { name: '[Content_Types].xml', data: xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>') },
    { name: 'xl/workbook.xml', data: workbook },
    { name: 'xl/_rels/workbook.xml.rels', data: rels },
    { name: 'xl/styles.xml', data: styles },
    { name: 'xl/sharedStrings.xml', data: shared },
    { name: 'xl/worksheets/sheet1.xml', data: hidden },
    { name: 'xl/worksheets/sheet2.xml', data: other },
    { name: 'xl/worksheets/sheet3.xml', data: roster },
  ];
}

const EXPECTED: SheetRow[] = [
  { rowNumber: 1, cells: ['Nama', 'Nomor HP', 'Tanggal', 'Catatan'] },
  { rowNumber: 2, cells: ['Budi Santoso', '0812-3456-7890', '2026-01-31', '2'] },
  { rowNumber: 4, cells: ['王伟', '81311112222', '2026-01-31 12:00:00', '王伟!'] },
  { rowNumber: 7, cells: ['Sari Dewi', '#N/A', '', 'TRUE'] },
  // A formula without a cached value is an empty cell; nothing after it, so the row ends there.
  { rowNumber: 8, cells: ['Line one\r& two', '+62 877 0000 1111', '2026-02-01 08:30:00'] },
];

/** The parts in the order Excel stores them, and reversed: every sheet and the shared strings before workbook.xml. */
const ORDERS: [string, (parts: TestZipEntry[]) => TestZipEntry[]][] = [
  ['workbook first (as Excel stores it)', (parts) => parts],
  ['sheets and shared strings before workbook.xml (as a streaming writer stores it)', (parts) => [...parts].reverse()],
];

async function readAll(path: string, limits: RosterLimits = DEFAULT_ROSTER_LIMITS): Promise<SheetRow[]> {
  const rows: SheetRow[] = [];
  for await (const batch of readXlsxRows(path, 'roster.xlsx', limits)) rows.push(...batch.rows);
  return rows;
}

describe('readXlsxRows', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir('autocall-xlsx-reader-');
  });
  afterEach(() => tmp.cleanup());

  it.each(ORDERS)('reads the first visible sheet whatever the order of the parts: %s', async (_label, order) => {
    const path = writeBytes(tmp.dir, 'roster.xlsx', buildZip(order(workbookParts())));
    expect(await readAll(path)).toEqual(EXPECTED);
  });

  it('reads element names under a namespace prefix (<x:row>, as the .NET Open XML SDK writes them)', async () => {
    const path = writeBytes(tmp.dir, 'roster.xlsx', buildZip([...workbookParts({ prefix: 'x' })].reverse()));
    expect(await readAll(path)).toEqual(EXPECTED);
  });

  it('counts dates from 1904 when the workbook says so', async () => {
    const path = writeBytes(tmp.dir, 'roster.xlsx', buildZip(workbookParts({ date1904: true })));
    const rows = await readAll(path);
    expect(rows[1]!.cells[2]).toBe('2030-02-01');
    expect(rows[2]!.cells[2]).toBe('2030-02-01 12:00:00');
  });

  it('reads a sheet larger than one inflated chunk, in batches, rows in order', async () => {
    const rows: string[] = [];
    for (let r = 1; r <= 5000; r++) rows.push(`<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>Pelanggan ${r}</t></is></c><c r="B${r}"><v>${81_200_000_000 + r}</v></c></row>`);
    const parts = workbookParts().filter((p) => p.name !== 'xl/worksheets/sheet3.xml');
    parts.unshift({ name: 'xl/worksheets/sheet3.xml', data: xml(`<worksheet xmlns="${MAIN}"><sheetData>${rows.join('')}</sheetData></worksheet>`) });
    const path = writeBytes(tmp.dir, 'big.xlsx', buildZip(parts));
    const read: SheetRow[][] = [];
    for await (const batch of readXlsxRows(path, 'big.xlsx', DEFAULT_ROSTER_LIMITS)) read.push(batch.rows);
    expect(read.length).toBeGreaterThan(1);
    const all = read.flat();
    expect(all.length).toBe(5000);
    expect(all[4999]).toEqual({ rowNumber: 5000, cells: ['Pelanggan 5000', '81200005000'] });
    expect(all.every((row, i) => row.rowNumber === i + 1)).toBe(true);
  });

  it('refuses a cell far to the right before building its row', async () => {
    const parts = workbookParts().map((p) =>
      p.name === 'xl/worksheets/sheet3.xml'
        ? { ...p, data: xml(`<worksheet xmlns="${MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row></sheetData></worksheet>`) }
        : p,
    );
    const path = writeBytes(tmp.dir, 'wide.xlsx', buildZip(parts));
    const err = await readAll(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'roster.tooManyColumns', params: { columns: 16_384, maxColumns: 500 } });
  });

  it('names the part and the XML error of a malformed sheet', async () => {
    const parts = workbookParts().map((p) => (p.name === 'xl/worksheets/sheet3.xml' ? { ...p, data: xml(`<worksheet><sheetData><row r="1"><c r="A1"><v>1</c></row>`) } : p));
    const path = writeBytes(tmp.dir, 'bad.xlsx', buildZip(parts));
    const err = await readAll(path).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'roster.unreadable' });
    expect((err as AppError).message).toContain('the part xl/worksheets/sheet3.xml is not valid XML');
  });

  it('refuses a part whose bytes do not match its CRC-32', async () => {
    const parts = workbookParts();
    const zip = buildZip(parts.map((p) => (p.name === 'xl/worksheets/sheet3.xml' ? { ...p, crc: 12345 } : p)));
    const err = await readAll(writeBytes(tmp.dir, 'crc.xlsx', zip)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'roster.unreadable' });
    expect((err as AppError).message).toContain('the part xl/worksheets/sheet3.xml is damaged: its CRC-32 does not match');
  });
});

describe('the parts of a cell', () => {
  it.each([
    ['A1', 0],
    ['Z9', 25],
    ['AA10', 26],
    ['XFD1048576', 16_383],
    ['12', 7],
  ])('column of %s is %i', (ref, column) => {
    expect(columnIndex(ref, 7)).toBe(column);
  });

  it.each([
    ['n', '6281234567890', false, '6281234567890'],
    ['n', '1.5E+3', false, '1500'],
    ['n', '', false, ''],
    ['n', '45000', true, '2023-03-15'],
    ['n', '0.75', true, '1899-12-30 18:00:00'],
    ['b', '0', false, 'FALSE'],
    ['e', '#DIV/0!', false, '#DIV/0!'],
    ['s', '1', false, 'b'],
    ['s', '9', false, ''],
    ['str', 'a_x0009_b', false, 'a\tb'],
    ['d', '2026-01-31', false, '2026-01-31'],
  ])('type %s value %j (date format: %s) reads %j', (type, value, dateStyle, text) => {
    expect(cellValueText(type, value, dateStyle, false, ['a', 'b'])).toBe(text);
  });

  it.each([
    ['yyyy-mm-dd', true],
    ['[$-421]dd mmmm yyyy', true],
    ['h:mm AM/PM', true],
    ['#,##0', false],
    ['"Rp"#,##0;[Red]-"Rp"#,##0', false],
    ['0.00E+00', false],
    ['General', false],
    ['@', false],
  ])('format %j is a date: %s', (code, date) => {
    expect(isDateFormatCode(code)).toBe(date);
  });

  it('decodes _xHHHH_ escapes, _x005F_ keeping a literal one', () => {
    expect(decodeEscapes('a_x000D__x000A_b')).toBe('a\r\nb');
    expect(decodeEscapes('_x005F_x0041_')).toBe('_x0041_');
    expect(decodeEscapes('no escape_x12_')).toBe('no escape_x12_');
  });

  it('resolves relationship targets against the workbook folder or the package root', () => {
    expect(resolveTarget('xl/workbook.xml', 'worksheets/sheet1.xml')).toBe('xl/worksheets/sheet1.xml');
    expect(resolveTarget('xl/workbook.xml', '/xl/worksheets/sheet1.xml')).toBe('xl/worksheets/sheet1.xml');
    expect(resolveTarget('xl/workbook.xml', '../xl/sharedStrings.xml')).toBe('xl/sharedStrings.xml');
  });
});

describe('RosterService imports xlsx workbooks read on the worker thread', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  beforeEach(() => {
    tmp = makeTempDir('autocall-xlsx-import-');
    t = makeTestContext(tmp.dir);
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  it.each(ORDERS)('the same roster whatever the order of the parts: %s', async (_label, order) => {
    const service = new RosterService(t.ctx);
    const path = writeBytes(tmp.dir, 'Promotion_List_202601.xlsx', buildZip(order(workbookParts())));
    const a = await service.analyze({ path });
    if (a.kind !== 'staged') throw new Error('not staged');
    expect(a.roster).toMatchObject({ phoneColumn: 'Nomor HP', columns: ['Nama', 'Nomor HP', 'Tanggal', 'Catatan'], totalRows: 4, validCount: 3, invalidCount: 1 });
    expect(a.sample.map((e) => [e.rowNumber, e.phoneE164, e.variables])).toEqual([
      [2, '+6281234567890', { Nama: 'Budi Santoso', Tanggal: '2026-01-31', Catatan: '2' }],
      [4, '+6281311112222', { Nama: '王伟', Tanggal: '2026-01-31 12:00:00', Catatan: '王伟!' }],
      [8, '+6287700001111', { Nama: 'Line one\r& two', Tanggal: '2026-02-01 08:30:00', Catatan: '' }],
    ]);
    expect(a.issues).toEqual([{ rowNumber: 7, phoneRaw: '#N/A', kind: 'invalid', reason: 'notANumber' }]);
  });

  it('an import cut short by a limit leaves no file open', async () => {
    if (!existsFdDir()) return;
    const rows: string[] = ['<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c></row>'];
    for (let r = 2; r <= 30_000; r++) rows.push(`<row r="${r}"><c r="A${r}"><v>${81_200_000_000 + r}</v></c></row>`);
    const parts = workbookParts().map((p) => (p.name === 'xl/worksheets/sheet3.xml' ? { ...p, data: xml(`<worksheet xmlns="${MAIN}"><sheetData>${rows.join('')}</sheetData></worksheet>`) } : p));
    const path = writeBytes(tmp.dir, 'long.xlsx', buildZip(parts));
    const service = new RosterService(t.ctx, { limits: { maxRows: 5_000 } });
    const before = openFiles(path);
    const err = await service.analyze({ path }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'roster.tooManyRows' });
    expect(openFiles(path)).toBe(before);
  });
});

function existsFdDir(): boolean {
  try {
    readdirSync('/proc/self/fd');
    return true;
  } catch {
    return false;
  }
}

/** File descriptors of this process open on `path` (Linux /proc). */
function openFiles(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}
