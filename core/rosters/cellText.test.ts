import { describe, expect, it } from 'vitest';
import { dateText, isoDateText } from './cellText.js';

describe('dateText', () => {
  it('writes what the ISO string says, over dates from 1900 to 9999 with and without a time', () => {
    let seed = 3;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const from = Date.UTC(1900, 0, 1);
    const to = Date.UTC(9999, 11, 31, 23, 59, 59);
    for (let i = 0; i < 20_000; i++) {
      const day = from + random(Math.floor((to - from) / 86_400_000)) * 86_400_000;
      const date = new Date(random(3) === 0 ? day : day + random(86_400_000));
      expect([date.getTime(), dateText(date)]).toEqual([date.getTime(), isoDateText(date, date.getTime())]);
    }
  });

  it.each([
    [new Date(Date.UTC(2026, 0, 31)), '2026-01-31'],
    [new Date(Date.UTC(2026, 0, 31, 9, 5, 7)), '2026-01-31 09:05:07'],
    [new Date(Date.UTC(2026, 0, 31, 0, 0, 0, 500)), '2026-01-31 00:00:00'],
    [new Date(Date.UTC(1899, 11, 30)), '1899-12-30'],
    [new Date(Date.UTC(10000, 0, 1)), '+010000-01'],
    [new Date(Number.NaN), ''],
  ])('%s as %j', (date, text) => {
    expect(dateText(date)).toBe(text);
  });
});
