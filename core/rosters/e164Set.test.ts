import { describe, expect, it } from 'vitest';
import { E164Set } from './e164Set.js';

describe('E164Set', () => {
  it('answers whether a number was added before', () => {
    const set = new E164Set();
    expect(set.add('+6281234567890')).toBe(true);
    expect(set.add('+6281234567890')).toBe(false);
    expect(set.add('+6281234567891')).toBe(true);
    expect(set.add('+12025550123')).toBe(true);
    expect(set.add('+12025550123')).toBe(false);
  });

  it('keeps strings apart that would be one number: a leading zero, 16 digits and more, anything not digits', () => {
    const set = new E164Set();
    for (const s of ['+01234', '+1234', '+001234', '+6281234567890123', '+62812345678901234', '1234', '+12a4', '+']) expect(set.add(s)).toBe(true);
    for (const s of ['+01234', '+1234', '+001234', '+6281234567890123', '+62812345678901234', '1234', '+12a4', '+']) expect(set.add(s)).toBe(false);
  });

  it('tells the largest exact numbers apart: 15 digits', () => {
    const set = new E164Set();
    expect(set.add('+999999999999999')).toBe(true);
    expect(set.add('+999999999999998')).toBe(true);
    expect(set.add('+999999999999999')).toBe(false);
  });

  it('agrees with a Set of strings over 300,000 numbers, a third of them repeats, across many growths', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const numbers: string[] = [];
    for (let i = 0; i < 300_000; i++) {
      if (i > 0 && random(3) === 0) numbers.push(numbers[random(numbers.length)]!);
      else numbers.push('+' + String(1 + random(9)) + String(random(1_000_000_000)).padStart(9, '0') + String(random(10_000)).slice(0, random(5)));
    }
    const set = new E164Set();
    const reference = new Set<string>();
    for (const n of numbers) {
      const expected = !reference.has(n);
      reference.add(n);
      expect(set.add(n)).toBe(expected);
    }
  });
});
