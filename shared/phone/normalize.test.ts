import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { INDONESIAN_MOBILE, cleanPhoneText, indonesianMobile, normalizePhone, normalizeWithLibrary } from './normalize.js';

describe('normalizePhone', () => {
  it.each([
    ['0812-3456-7890', '+6281234567890'],
    ['+62 812 3456 7890', '+6281234567890'],
    ['6281234567890', '+6281234567890'],
    ['812 3456 7890', '+6281234567890'],
    ['81234567890', '+6281234567890'],
    ["'081234567890", '+6281234567890'],
    ['  0812.3456.7890  ', '+6281234567890'],
    ['(0812) 3456-7890', '+6281234567890'],
    ['+62 0812 3456 7890', '+6281234567890'],
    ['０８１２－３４５６－７８９０', '+6281234567890'],
    ['(021) 555-1234', '+62215551234'],
    ['+62 21 1234567', '+62211234567'],
    ['0812-345-678', '+62812345678'],
    ['+1 202 555 0123', '+12025550123'],
  ])('%s -> %s', (input, e164) => {
    expect(normalizePhone(input)).toEqual({ ok: true, e164 });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ["'", 'empty'],
    ['-', 'empty'],
    ['abc', 'notANumber'],
    ['0812-3456-789O', 'notANumber'],
    ['8.12346E+10', 'notANumber'],
    ['0812 3456 7890 ext 5', 'notANumber'],
    ['+', 'notANumber'],
    ['0812+3456', 'notANumber'],
    ['0812345678 / 0856789012', 'notANumber'],
    ['12', 'tooShort'],
    ['0812345', 'tooShort'],
    ['+62812345678901234567', 'tooLong'],
    ['08123456789012', 'tooLong'],
    ['+999 1234 5678', 'invalidForRegion'],
  ])('refuses %j as %s', (input, reason) => {
    expect(normalizePhone(input)).toEqual({ ok: false, reason });
  });

  it('keeps the library answer for a short 628… number: a valid landline of area 0628', () => {
    expect(normalizePhone('62812345678')).toEqual({ ok: true, e164: '+6262812345678' });
  });

  it('uses the MOBILE pattern of the max metadata for ID', () => {
    const metadata = createRequire(import.meta.url)('libphonenumber-js/metadata.max.json') as { countries: Record<string, unknown> };
    expect(JSON.stringify(metadata.countries['ID'])).toContain(JSON.stringify([INDONESIAN_MOBILE.source.slice(1, -1), [9, 10, 11, 12]]));
  });

  it('the fast path gives the same answer as the library for 60,000 generated numbers in every typed shape', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const digits = (count: number) => Array.from({ length: count }, () => String(random(10))).join('');
    let fast = 0;
    let compared = 0;
    for (let i = 0; i < 60_000; i++) {
      // National numbers of 6 to 14 digits, mostly mobile-like (8x) to exercise the fast path's edges.
      const length = 6 + random(9);
      const national = random(4) === 0 ? digits(length) : '8' + digits(length - 1);
      const shapes = [
        '0' + national,
        '+62' + national,
        '62' + national,
        national,
        '+62 ' + national.slice(0, 3) + ' ' + national.slice(3),
        '0' + national.slice(0, 3) + '-' + national.slice(3, 7) + '-' + national.slice(7),
        "'0" + national,
        '+620' + national,
      ];
      const input = shapes[random(shapes.length)]!;
      const cleaned = cleanPhoneText(input);
      expect(cleaned).not.toBeNull();
      const library = normalizeWithLibrary(cleaned!);
      const quick = indonesianMobile(cleaned!);
      if (quick) {
        fast++;
        expect([input, quick]).toEqual([input, library]);
      }
      expect([input, normalizePhone(input)]).toEqual([input, library]);
      compared++;
    }
    expect(compared).toBe(60_000);
    // The comparison means something only if the fast path answered a good share of them.
    expect(fast).toBeGreaterThan(10_000);
  });
});
