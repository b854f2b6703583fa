import { describe, expect, it } from 'vitest';
import { checkTaskName } from './taskName.js';

describe('checkTaskName', () => {
  it.each(['January 2026 Promotion', '一月促销', '2026年1月 Promo', 'A'])('accepts %s', (name) => {
    expect(checkTaskName(name)).toEqual({ ok: true });
  });

  it('names the special characters it refuses', () => {
    expect(checkTaskName('Promo @ 50% #1')).toEqual({ ok: false, problem: 'badCharacters', badCharacters: '@%#' });
    expect(checkTaskName('Promo_2026')).toMatchObject({ problem: 'badCharacters', badCharacters: '_' });
    expect(checkTaskName('Promo\t2026')).toMatchObject({ problem: 'badCharacters' });
  });

  it('refuses empty names, leading, trailing and double spaces, and over-long names', () => {
    expect(checkTaskName('   ')).toMatchObject({ problem: 'empty' });
    expect(checkTaskName(' Promo')).toMatchObject({ problem: 'badSpaces' });
    expect(checkTaskName('Promo ')).toMatchObject({ problem: 'badSpaces' });
    expect(checkTaskName('Promo  2026')).toMatchObject({ problem: 'badSpaces' });
    expect(checkTaskName('x'.repeat(61))).toMatchObject({ problem: 'tooLong' });
  });

  it('refuses letters outside English and Chinese, as docs/DOMAIN.md lists only those', () => {
    expect(checkTaskName('Promosi Café')).toMatchObject({ problem: 'badCharacters', badCharacters: 'é' });
  });
});
