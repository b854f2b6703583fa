import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { buildZip, workbookParts, zerosBomb } from './testZip.js';

/**
 * Roster files for tests, made the way users' files are made: workbooks
 * written by exceljs (as Excel would store them), CSV text as Excel's
 * "CSV UTF-8" and "CSV (semicolon)" save it, and the hostile or wrong files
 * an import must refuse.
 */

/** A cell as the test wants it stored: a plain value, or a value with an Excel number format. */
export type XlsxCell = string | number | boolean | Date | null | { value: ExcelJS.CellValue; numFmt: string };

export interface XlsxSheet {
  name: string;
  rows: XlsxCell[][];
  state?: 'visible' | 'hidden';
}

/** A workbook with the given sheets (one sheet "Sheet1" when `rows` is given), written to dir/fileName. */
export async function writeXlsx(dir: string, fileName: string, sheets: XlsxCell[][] | XlsxSheet[]): Promise<string> {
  const list: XlsxSheet[] = isSheetList(sheets) ? sheets : [{ name: 'Sheet1', rows: sheets }];
  const workbook = new ExcelJS.Workbook();
  for (const sheet of list) {
    const worksheet = workbook.addWorksheet(sheet.name, sheet.state ? { state: sheet.state } : {});
    sheet.rows.forEach((cells, r) => {
      cells.forEach((cell, c) => {
        if (cell === null) return;
        const target = worksheet.getCell(r + 1, c + 1);
        if (typeof cell === 'object' && !(cell instanceof Date)) {
          target.value = cell.value;
          target.numFmt = cell.numFmt;
        } else {
          target.value = cell;
        }
      });
    });
  }
  const path = join(dir, fileName);
  await workbook.xlsx.writeFile(path);
  return path;
}

function isSheetList(sheets: XlsxCell[][] | XlsxSheet[]): sheets is XlsxSheet[] {
  const first = sheets[0];
  return first !== undefined && !Array.isArray(first);
}

/** CSV text written as UTF-8, with Excel's BOM when `bom`. Lines are joined by CRLF as Excel writes them. */
export function writeCsv(dir: string, fileName: string, lines: string[] | string, options: { bom?: boolean } = {}): string {
  const text = Array.isArray(lines) ? lines.join('\r\n') + '\r\n' : lines;
  const path = join(dir, fileName);
  writeFileSync(path, Buffer.concat([options.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]));
  return path;
}

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(value: string, delimiter = ','): string {
  return /["\r\n]/.test(value) || value.includes(delimiter) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function writeBytes(dir: string, fileName: string, data: Buffer): string {
  const path = join(dir, fileName);
  writeFileSync(path, data);
  return path;
}

/** A zip with a text file and no workbook, as a user gets by renaming an archive to .xlsx. */
export function writeRenamedZip(dir: string, fileName: string): string {
  return writeBytes(dir, fileName, buildZip([{ name: 'readme.txt', data: Buffer.from('not a workbook') }]));
}

/** A Word document's parts in a zip, renamed to .xlsx. */
export function writeRenamedDocx(dir: string, fileName: string): string {
  return writeBytes(
    dir,
    fileName,
    buildZip([
      { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types/>') },
      { name: 'word/document.xml', data: Buffer.from('<?xml version="1.0"?><w:document/>') },
    ]),
  );
}

/**
 * A workbook-looking zip whose sheet1.xml inflates to `megabytes` MiB of zeros.
 * `declaredSize: 'honest'` writes the true size in the zip directory; a number
 * writes that (a lie, as a hostile file would, to slip past a directory check).
 */
export function writeZipBomb(dir: string, fileName: string, megabytes: number, declaredSize: 'honest' | number): { path: string; compressedBytes: number } {
  const bomb = zerosBomb(megabytes);
  const data = buildZip([
    ...workbookParts(),
    {
      name: 'xl/worksheets/sheet1.xml',
      data: Buffer.alloc(0),
      deflated: bomb.deflated,
      crc: bomb.crc,
      declaredSize: declaredSize === 'honest' ? bomb.size : declaredSize,
    },
  ]);
  return { path: writeBytes(dir, fileName, data), compressedBytes: data.length };
}

const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/**
 * An OLE Compound File (MS-CFB): with an "EncryptedPackage" stream name it is
 * what Excel writes for a password-protected .xlsx (MS-OFFCRYPTO §2.3.4.4);
 * without it, what Excel 97-2003 writes for an .xls. Only the parts the
 * import looks at are real: the signature and the UTF-16LE directory names.
 */
export function writeCfb(dir: string, fileName: string, kind: 'encrypted' | 'xls'): string {
  const sector = Buffer.alloc(512 * 4);
  CFB_SIGNATURE.copy(sector, 0);
  const names = kind === 'encrypted' ? ['Root Entry', 'EncryptionInfo', 'EncryptedPackage'] : ['Root Entry', 'Workbook', 'SummaryInformation'];
  names.forEach((name, i) => Buffer.from(name, 'utf16le').copy(sector, 1024 + i * 128));
  return writeBytes(dir, fileName, sector);
}

/** Random bytes (with NULs, as any binary file has) under a roster name. */
export function writeRandomBytes(dir: string, fileName: string, size = 8192): string {
  const data = randomBytes(size);
  data[100] = 0;
  return writeBytes(dir, fileName, data);
}
