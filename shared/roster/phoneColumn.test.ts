import { describe, expect, it } from 'vitest';
import { findPhoneColumn } from './phoneColumn.js';

describe('findPhoneColumn', () => {
  it.each([
    [['Name', 'Phone', 'City'], 'Phone'],
    [['Nama', 'Nomor HP', 'Kota'], 'Nomor HP'],
    [['No.', 'Nama', 'No. HP'], 'No. HP'],
    [['No', 'Nama', 'no hp'], 'no hp'],
    [['Nama', 'No. Telepon'], 'No. Telepon'],
    [['Nama', 'TELEPON'], 'TELEPON'],
    [['姓名', '手机号', '城市'], '手机号'],
    [['姓名', '电话'], '电话'],
    [['姓名', '联系电话'], '联系电话'],
    [['Name', ' Mobile Number '], ' Mobile Number '],
    [['Name', 'Ｐｈｏｎｅ'], 'Ｐｈｏｎｅ'],
    [['Name', 'Tel.'], 'Tel.'],
    [['Name', 'HP'], 'HP'],
    [['Name', 'Customer Phone'], 'Customer Phone'],
    [['客户姓名', '客户手机号'], '客户手机号'],
  ])('%j -> %s', (headers, expected) => {
    expect(findPhoneColumn(headers)).toBe(expected);
  });

  it('prefers a phone column over WhatsApp, and WhatsApp over a generic "Number"', () => {
    expect(findPhoneColumn(['WhatsApp', 'Nama', 'Nomor HP'])).toBe('Nomor HP');
    expect(findPhoneColumn(['Number', 'WA'])).toBe('WA');
    expect(findPhoneColumn(['Name', 'Number'])).toBe('Number');
  });

  it('answers null when no header names a phone', () => {
    expect(findPhoneColumn(['No', 'Nama', 'Kota', 'Hotel'])).toBeNull();
    expect(findPhoneColumn([])).toBeNull();
    expect(findPhoneColumn(['', '  '])).toBeNull();
  });
});
