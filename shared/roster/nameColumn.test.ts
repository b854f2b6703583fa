import { describe, expect, it } from 'vitest';
import { findNameColumn } from './nameColumn.js';

describe('findNameColumn', () => {
  it('finds the name column in English, Indonesian and Chinese rosters', () => {
    expect(findNameColumn(['Nomor HP', 'Nama'])).toBe('Nama');
    expect(findNameColumn(['Phone', 'Customer Name', 'City'])).toBe('Customer Name');
    expect(findNameColumn(['手机号', '姓名'])).toBe('姓名');
    expect(findNameColumn(['No. HP', 'Nama Pelanggan'])).toBe('Nama Pelanggan');
  });

  it('prefers an exact name to a header that merely contains the word', () => {
    expect(findNameColumn(['Nama Kota', 'Nama'])).toBe('Nama');
  });

  it('answers null when no column is a name', () => {
    expect(findNameColumn(['Phone', 'City', 'Amount'])).toBeNull();
    expect(findNameColumn([])).toBeNull();
  });
});
