import { describe, expect, it } from 'vitest';
import { CsvSplitter } from './csvSplitter.js';

const options = { fileName: 'r.csv', delimiter: ',' as const, newline: '\r\n' as const, maxCellLength: 100 };

/** The records of `bytes` fed to a splitter in pieces of `size` bytes. */
function split(bytes: Buffer, size: number, splitter = new CsvSplitter(options)): string[][] {
  const records: string[][] = [];
  for (let at = 0; at < bytes.length; at += size) records.push(...splitter.push(bytes.subarray(at, at + size)));
  records.push(...splitter.end());
  return records;
}

describe('CsvSplitter', () => {
  const text = '\ufeffNama,Catatan\r\n王伟,"Lantai 2\r\nRuko ""Maju"", Blok B"\r\nSari,TV 12"\r\n';
  const expected = [
    ['Nama', 'Catatan'],
    ['王伟', 'Lantai 2\r\nRuko "Maju", Blok B'],
    ['Sari', 'TV 12"'],
  ];

  it.each([1, 2, 3, 7, 1000])('gives the same records whatever the chunk size (%i bytes): characters and quoted fields split across chunks', (size) => {
    expect(split(Buffer.from(text, 'utf8'), size)).toEqual(expected);
  });

  it.each(['\n', '\r'] as const)('does the same with %j line breaks', (newline) => {
    const bytes = Buffer.from(text.replaceAll('\r\n', newline), 'utf8');
    const want = expected.map((r) => r.map((cell) => cell.replaceAll('\r\n', newline)));
    for (const size of [1, 2, 5, 1000]) expect(split(bytes, size, new CsvSplitter({ ...options, newline }))).toEqual(want);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(() => split(Buffer.from([0x4e, 0x61, 0x6d, 0x61, 0x0d, 0x0a, 0xd0, 0xd5, 0x0d, 0x0a]), 4)).toThrow(expect.objectContaining({ code: 'roster.csvEncoding' }));
  });

  it('refuses a character cut off at the end of the file', () => {
    expect(() => split(Buffer.from('Nama\r\n王', 'utf8').subarray(0, -1), 3)).toThrow(expect.objectContaining({ code: 'roster.csvEncoding' }));
  });

  it('names the record of a quote closed before its field ends, counting the records of earlier chunks', () => {
    const bytes = Buffer.from('A,B\r\n1,2\r\n3,4\r\n"x" y,5\r\n', 'utf8');
    expect(() => split(bytes, 6)).toThrow(expect.objectContaining({ code: 'roster.csvMalformed', params: expect.objectContaining({ line: 4 }) as unknown }));
  });

  it('refuses an unfinished record once it outgrows four cells of the limit, before the file ends', () => {
    const splitter = new CsvSplitter(options);
    expect(splitter.push(Buffer.from('A,B\r\n"open,', 'utf8'))).toEqual([['A', 'B']]);
    expect(() => splitter.push(Buffer.from('x'.repeat(4 * 100 + 1024), 'utf8'))).toThrow(
      expect.objectContaining({ code: 'roster.cellTooLong', params: expect.objectContaining({ rowNumber: 2 }) as unknown }),
    );
  });
});
