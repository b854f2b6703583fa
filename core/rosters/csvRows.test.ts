import { describe, expect, it } from 'vitest';
import { headerDelimiter, headerNewline } from './csvRows.js';

describe('the header line of a csv', () => {
  it.each([
    ['Name,Phone\r\nBudi,0812', '\r\n'],
    ['Name,Phone\nBudi,0812', '\n'],
    ['Name,Phone\rBudi,0812', '\r'],
    ['Name,Phone\r', '\r\n'],
    ['"Full\nName",Phone\r\nBudi', '\r\n'],
    ['Name,Phone', '\r\n'],
  ])('%j ends with %j', (text, newline) => {
    expect(headerNewline(text)).toBe(newline);
  });

  it.each([
    ['Name,Phone\r\n', ','],
    ['Nama;No. HP;Jumlah\r\n', ';'],
    ['"Nama; lengkap",Phone\r\n', ','],
  ])('%j is split by %j', (text, delimiter) => {
    expect(headerDelimiter(text)).toBe(delimiter);
  });
});
