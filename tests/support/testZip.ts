import { constants, crc32, deflateRawSync } from 'node:zlib';

/**
 * A minimal zip writer for tests (PKWARE APPNOTE.TXT §4.3): stored or
 * deflated entries, one central directory. `declaredSize` lets a test lie
 * about an entry's uncompressed size, as a hostile file would.
 */
export interface TestZipEntry {
  name: string;
  data: Buffer;
  /** Already-deflated bytes to store instead of deflating `data` (for huge runs of zeros). */
  deflated?: Buffer;
  declaredSize?: number;
  /** CRC-32 of the uncompressed bytes, when `data` is not them (a bomb made of `deflated` only). */
  crc?: number;
}

export function buildZip(entries: readonly TestZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const body = entry.deflated ?? deflateRawSync(entry.data);
    const crc = entry.crc ?? crc32(entry.data);
    const size = entry.declaredSize ?? entry.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The smallest parts that make a zip look like a workbook to a central-directory check. */
export function workbookParts(): TestZipEntry[] {
  return [
    { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>') },
    { name: 'xl/workbook.xml', data: Buffer.from('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>') },
  ];
}

/**
 * `megabytes` MiB of zeros as raw deflate data (RFC 1951), built without
 * inflating or deflating them all: one MiB of zeros is deflated and flushed to
 * a byte boundary (Z_FULL_FLUSH: no back-reference crosses it), that block is
 * repeated, and an empty final block closes the stream. 200 MiB costs ~200 KB.
 */
export function zerosBomb(megabytes: number): { deflated: Buffer; size: number; crc: number } {
  const mib = Buffer.alloc(1024 * 1024);
  const block = deflateRawSync(mib, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const end = deflateRawSync(Buffer.alloc(0));
  let crc = 0;
  for (let i = 0; i < megabytes; i++) crc = crc32(mib, crc);
  return { deflated: Buffer.concat([...Array<Buffer>(megabytes).fill(block), end]), size: megabytes * mib.length, crc };
}
