import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { rosterErrors } from './rosterErrors.js';

export type RosterFormat = 'csv' | 'xlsx';

/** OLE2 / Compound File Binary: Excel 97-2003 workbooks, and also encrypted .xlsx (MS-OFFCRYPTO §2.3.4.1). */
const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** Local file header or end of central directory (an empty zip): APPNOTE.TXT §4.3.7, §4.3.16. */
const ZIP_SIGNATURES = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];
/**
 * An encrypted OOXML package is a CFB file holding the streams
 * EncryptionInfo (how it is encrypted) and EncryptedPackage (the real zip)
 * (MS-OFFCRYPTO §2.3.4.4, §2.3.4.5); an Excel 97-2003 workbook holds
 * Workbook instead. Either name marks the password-protected kind.
 */
const ENCRYPTION_STREAMS = ['EncryptionInfo', 'EncryptedPackage'];

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
    if (await isEncryptedPackage(path)) throw rosterErrors.passwordProtected(fileName);
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

/**
 * Whether a CFB file is an encrypted OOXML package: its directory names
 * read as MS-CFB lays them out (header, FAT, the directory's sector
 * chain); when the structure cannot be followed (a damaged or truncated
 * file), the UTF-16LE names are looked for anywhere in it.
 */
async function isEncryptedPackage(path: string): Promise<boolean> {
  const names = await cfbDirectoryNames(path).catch(() => null);
  if (names) return names.some((name) => ENCRYPTION_STREAMS.includes(name));
  for (const name of ENCRYPTION_STREAMS) if (await fileContains(path, Buffer.from(name, 'utf16le'))) return true;
  return false;
}

const END_OF_CHAIN = 0xfffffffe;
const MAX_DIRECTORY_SECTORS = 4096;

/** The names in a CFB directory (MS-CFB §2.2 header, §2.3 FAT, §2.6 directory entries), or an error when the file does not follow it. */
async function cfbDirectoryNames(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const read = async (offset: number, length: number): Promise<Buffer> => {
      if (offset + length > size) throw new Error('beyond the end of the file');
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, offset);
      return buffer;
    };
    const header = await read(0, 512);
    const shift = header.readUInt16LE(0x1e);
    if (shift !== 9 && shift !== 12) throw new Error('not a CFB sector size');
    const sectorSize = 1 << shift;
    const sectorOffset = (sector: number) => (sector + 1) * sectorSize;
    // The FAT sectors: the first 109 are listed in the header (DIFAT); more are rare for a roster-sized file and end the walk.
    const fatSectors: number[] = [];
    for (let i = 0; i < 109; i++) {
      const sector = header.readUInt32LE(0x4c + i * 4);
      if (sector >= 0xfffffffa) break;
      fatSectors.push(sector);
    }
    const perFatSector = sectorSize / 4;
    const next = async (sector: number): Promise<number> => {
      const fat = fatSectors[Math.floor(sector / perFatSector)];
      if (fat === undefined) throw new Error('FAT entry out of range');
      return (await read(sectorOffset(fat) + (sector % perFatSector) * 4, 4)).readUInt32LE(0);
    };
    const names: string[] = [];
    let sector = header.readUInt32LE(0x30);
    for (let walked = 0; sector !== END_OF_CHAIN; walked++) {
      if (walked >= MAX_DIRECTORY_SECTORS || sector >= 0xfffffffa) throw new Error('broken directory chain');
      const data = await read(sectorOffset(sector), sectorSize);
      for (let at = 0; at + 128 <= data.length; at += 128) {
        const length = data.readUInt16LE(at + 0x40);
        if (data[at + 0x42] === 0 || length < 2 || length > 64) continue; // unused entry
        names.push(data.subarray(at, at + length - 2).toString('utf16le'));
      }
      sector = await next(sector);
    }
    return names;
  } finally {
    await handle.close();
  }
}
