import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { sniffRosterFile } from './sniffRosterFile.js';

const FREE = 0xffffffff;
const END = 0xfffffffe;

/**
 * A real Compound File (MS-CFB version 3, 512-byte sectors): header, one
 * FAT sector, the directory in `directory.length` chained sectors (four
 * entries each), and `filler` appended as a stream's bytes would be.
 */
function cfb(directory: { name: string; type: 1 | 2 | 5 }[][], filler = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x3e, 0x18);
  header.writeUInt16LE(3, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  header.writeUInt16LE(6, 0x20);
  header.writeUInt32LE(1, 0x2c); // one FAT sector
  header.writeUInt32LE(1, 0x30); // the directory starts in sector 1
  header.writeUInt32LE(4096, 0x38);
  header.writeUInt32LE(END, 0x3c);
  header.writeUInt32LE(END, 0x44);
  for (let i = 0; i < 109; i++) header.writeUInt32LE(i === 0 ? 0 : FREE, 0x4c + i * 4);
  const fat = Buffer.alloc(512, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0); // sector 0 is the FAT itself
  directory.forEach((_, i) => fat.writeUInt32LE(i === directory.length - 1 ? END : i + 2, (i + 1) * 4));
  const sectors = directory.map((entries) => {
    const sector = Buffer.alloc(512);
    entries.forEach(({ name, type }, i) => {
      Buffer.from(name, 'utf16le').copy(sector, i * 128);
      sector.writeUInt16LE((name.length + 1) * 2, i * 128 + 0x40);
      sector[i * 128 + 0x42] = type;
    });
    return sector;
  });
  return Buffer.concat([header, fat, ...sectors, filler]);
}

async function refusal(path: string, fileName: string): Promise<AppError> {
  try {
    await sniffRosterFile(path, fileName);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('a password-protected workbook is told apart from an old .xls by its CFB directory', () => {
  const tmp = makeTempDir('autocall-cfb-');
  afterAll(() => tmp.cleanup());
  const write = (name: string, data: Buffer) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, data);
    return path;
  };

  it('EncryptionInfo and EncryptedPackage (what Excel writes for "Encrypt with Password"): remove the password and save again', async () => {
    const path = write('encrypted.xlsx', cfb([[{ name: 'Root Entry', type: 5 }, { name: '\u0006DataSpaces', type: 1 }, { name: 'EncryptionInfo', type: 2 }, { name: 'EncryptedPackage', type: 2 }]]));
    const err = await refusal(path, 'Promotion_List_202601.xlsx');
    expect(err.code).toBe('roster.passwordProtected');
    expect(err.message).toContain('remove the password');
    expect(err.message).toContain('save again');
  });

  it('finds EncryptionInfo in a later sector of the directory chain', async () => {
    const path = write('chained.xlsx', cfb([[{ name: 'Root Entry', type: 5 }, { name: 'Workbook2', type: 2 }, { name: 'a', type: 2 }, { name: 'b', type: 2 }], [{ name: 'EncryptionInfo', type: 2 }]]));
    expect((await refusal(path, 'chained.xlsx')).code).toBe('roster.passwordProtected');
  });

  it('an Excel 97-2003 workbook is an old .xls, even when a cell holds the word EncryptedPackage', async () => {
    const path = write('old.xls', cfb([[{ name: 'Root Entry', type: 5 }, { name: 'Workbook', type: 2 }, { name: '\u0005SummaryInformation', type: 2 }]], Buffer.from('EncryptedPackage EncryptionInfo', 'utf16le')));
    expect((await refusal(path, 'old.xls')).code).toBe('roster.legacyXls');
  });
});
