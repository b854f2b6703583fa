import { describe, expect, it } from 'vitest';
import { E164Set } from './e164Set.js';

describe('E164Set', () => {
  it('answers whether a number was added before, with the row it was first added in', () => {
    const set = new E164Set();
    expect(set.add('+6281234567890', 2)).toBe(0);
    expect(set.add('+6281234567890', 3)).toBe(2);
    expect(set.add('+6281234567891', 4)).toBe(0);
    expect(set.add('+12025550123', 5)).toBe(0);
    expect(set.add('+12025550123', 6)).toBe(5);
    expect(set.add('+6281234567890', 7)).toBe(2);
  });

  it('keeps strings apart that would be one number: a leading zero, 16 digits and more, anything not digits', () => {
    const set = new E164Set();
    const strings = ['+01234', '+1234', '+001234', '+6281234567890123', '+62812345678901234', '1234', '+12a4', '+'];
    strings.forEach((s, i) => expect(set.add(s, i + 1)).toBe(0));
    strings.forEach((s, i) => expect(set.add(s, 100 + i)).toBe(i + 1));
  });

  it('tells the largest exact numbers apart: 15 digits', () => {
    const set = new E164Set();
    expect(set.add('+999999999999999', 1)).toBe(0);
    expect(set.add('+999999999999998', 2)).toBe(0);
    expect(set.add('+999999999999999', 3)).toBe(1);
  });

  it('agrees with a Map of strings over 300,000 numbers, a third of them repeats, across many growths', () => {
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
    const reference = new Map<string, number>();
    numbers.forEach((n, i) => {
      const expected = reference.get(n) ?? 0;
      if (expected === 0) reference.set(n, i + 1);
      const first = set.add(n, i + 1);
      if (first !== expected) expect([n, first]).toEqual([n, expected]);
    });
  });
});
