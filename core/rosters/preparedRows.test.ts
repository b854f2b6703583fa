import { describe, expect, it } from 'vitest';
import { jsonString } from './preparedRows.js';

describe('jsonString', () => {
  it('writes every UTF-16 code unit as JSON.stringify does, alone and inside text', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const text of [ch, `Budi ${ch} Santoso`]) {
        if (jsonString(text) !== JSON.stringify(text)) expect([c, jsonString(text)]).toEqual([c, JSON.stringify(text)]);
      }
    }
  });

  it.each([
    '',
    'Budi Santoso',
    '王伟',
    'Rp 1.500.000,50',
    'say "hi"',
    'C:\\data',
    'line 1\nline 2\r\n',
    'tab\there',
    '\u2028\u2029',
    'emoji 😀 pair',
    'lone \ud83d high',
    'lone \ude00 low',
    '\ude00\ud83d reversed',
  ])('%j as JSON.stringify writes it', (text) => {
    expect(jsonString(text)).toBe(JSON.stringify(text));
  });
});
