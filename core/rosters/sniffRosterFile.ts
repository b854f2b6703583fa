import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { rosterErrors } from './rosterErrors.js';

export type RosterFormat = 'csv' | 'xlsx';

/** OLE2 / Compound File Binary: Excel 97-2003 workbooks, and also encrypted .xlsx (MS-OFFCRYPTO §2.3.4.1). */
const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** Local file header or end of central directory (an empty zip): APPNOTE.TXT §4.3.7, §4.3.16. */
const ZIP_SIGNATURES = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];
/** An encrypted OOXML package keeps the real zip in a CFB stream of this name (MS-OFFCRYPTO §2.3.4.4); names are UTF-16LE. */
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');

const SPREADSHEET_EXTENSIONS = new Set(['xlsx', 'xls']);
const CSV_EXTENSIONS = new Set(['csv']);

/**
 * Decides how to read a roster file. The extension says what the user meant;
 * the first bytes say what the file is: an .xlsx saved by Excel 97-2003 or
 * a password-protected workbook are both OLE files and get their own message
 * instead of a parser error.
 */
export async function sniffRosterFile(path: string, fileName: string): Promise<{ format: RosterFormat; size: number }> {
  const extension = extname(fileName).slice(1).toLowerCase();
  if (!SPREADSHEET_EXTENSIONS.has(extension) && !CSV_EXTENSIONS.has(extension)) {
    throw rosterErrors.unsupportedFormat(fileName, extension);
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch {
    throw rosterErrors.missing(fileName);
  }
  let head: Buffer;
  let size: number;
  try {
    size = (await handle.stat()).size;
    const buffer = Buffer.alloc(Math.min(size, 4096));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (size === 0) throw rosterErrors.empty(fileName);

  if (startsWith(head, CFB_SIGNATURE)) {
    if (await fileContains(path, ENCRYPTED_PACKAGE)) throw rosterErrors.passwordProtected(fileName);
    throw rosterErrors.legacyXls(fileName);
  }
  if (ZIP_SIGNATURES.some((signature) => startsWith(head, signature))) return { format: 'xlsx', size };
  if (SPREADSHEET_EXTENSIONS.has(extension)) throw rosterErrors.notSpreadsheet(fileName, describeContent(head));
  if (head.includes(0)) throw rosterErrors.notSpreadsheet(fileName, describeContent(head));
  return { format: 'csv', size };
}

function startsWith(data: Buffer, prefix: Buffer): boolean {
  return data.length >= prefix.length && data.subarray(0, prefix.length).equals(prefix);
}

/** A few words on what the file is instead, for the message. */
function describeContent(head: Buffer): string {
  const text = head.subarray(0, 8).toString('latin1');
  if (text.startsWith('%PDF')) return 'it is a PDF document';
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return 'it is UTF-16 text';
  if (text.startsWith('<?xml') || text.startsWith('<')) return 'it is an XML or HTML page';
  if (head.includes(0)) return 'it is a binary file of an unknown kind';
  return 'it is plain text';
}

/** Streams the file looking for a byte pattern that may straddle two chunks. */
async function fileContains(path: string, pattern: Buffer): Promise<boolean> {
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    const window: Buffer = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    if (window.includes(pattern)) return true;
    tail = window.subarray(Math.max(0, window.length - pattern.length + 1));
  }
  return false;
}
