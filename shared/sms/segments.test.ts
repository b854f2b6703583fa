import { describe, expect, it } from 'vitest';
import { gsm7Septets, isGsm7, smsSegments } from './segments.js';

const EMOJI = '😀'; // U+1F600: a surrogate pair in UTF-16

describe('the GSM 03.38 table', () => {
  it('holds the 127 characters of the basic set (128 codes minus the escape)', () => {
    const basic =
      '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect([...basic]).toHaveLength(127);
    for (const c of basic) expect(gsm7Septets(c), JSON.stringify(c)).toBe(1);
  });

  it('counts the extension table characters as two septets', () => {
    for (const c of '|^€{}[]~\\\f') expect(gsm7Septets(c), JSON.stringify(c)).toBe(2);
  });

  it('does not take look-alikes, the raw escape, lowercase ç, backquote or tab', () => {
    for (const c of ['ç', '`', '\t', '\x1b', '’', '“', 'á', 'Ä'.normalize('NFD'), '中', EMOJI]) {
      expect(gsm7Septets(c), JSON.stringify(c)).toBeNull();
    }
    expect(isGsm7('Halo Budi, promo 50% hari ini!')).toBe(true);
    expect(isGsm7('It’s here')).toBe(false);
  });
});

describe('smsSegments in GSM-7', () => {
  it('is one part up to 160 and two from 161', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, parts: 1, perPart: 160, remainingInPart: 0 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, parts: 2, perPart: 153, remainingInPart: 145 });
  });

  it('fits 153 * 2 in two parts and needs a third from 307', () => {
    expect(smsSegments('a'.repeat(306))).toMatchObject({ parts: 2, remainingInPart: 0 });
    expect(smsSegments('a'.repeat(307))).toMatchObject({ parts: 3, remainingInPart: 152 });
  });

  it('counts € as two: 80 of them fill one SMS, 81 need two', () => {
    expect(smsSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, parts: 1, remainingInPart: 0 });
    expect(smsSegments('€'.repeat(81))).toMatchObject({ units: 162, parts: 2 });
    expect(smsSegments('a'.repeat(159) + '€')).toMatchObject({ units: 161, parts: 2 });
  });

  it('never splits an escape pair: a part with 152 septets pushes the € to the next part', () => {
    // 152 + 2 would be 154 > 153, so part 1 holds 152 and part 2 starts with the €.
    const text = 'a'.repeat(152) + '€' + 'b'.repeat(10);
    expect(smsSegments(text)).toEqual({ encoding: 'GSM-7', units: 164, parts: 2, perPart: 153, remainingInPart: 153 - 12 });
    // Exactly at the edge a division would say 2 parts; packing needs 3.
    const edge = 'a'.repeat(152) + '€' + 'b'.repeat(152);
    expect(edge.length).toBe(305);
    expect(smsSegments(edge)).toMatchObject({ units: 306, parts: 3, remainingInPart: 152 });
  });

  it('counts line breaks as one and form feed as two', () => {
    expect(smsSegments('a\nb\r\nc')).toMatchObject({ encoding: 'GSM-7', units: 6 });
    expect(smsSegments('a\fb')).toMatchObject({ encoding: 'GSM-7', units: 4 });
  });

  it('answers zero parts for an empty text', () => {
    expect(smsSegments('')).toEqual({ encoding: 'GSM-7', units: 0, parts: 0, perPart: 160, remainingInPart: 160 });
  });
});

describe('smsSegments in UCS-2', () => {
  it('turns the whole message UCS-2 for one Chinese character', () => {
    expect(smsSegments('Halo ' + '中')).toEqual({ encoding: 'UCS-2', units: 6, parts: 1, perPart: 70, remainingInPart: 64 });
    // The € costs one UTF-16 unit in UCS-2, not two.
    expect(smsSegments('中€')).toMatchObject({ encoding: 'UCS-2', units: 2 });
  });

  it('is one part up to 70 and two from 71', () => {
    expect(smsSegments('中'.repeat(70))).toMatchObject({ encoding: 'UCS-2', units: 70, parts: 1, remainingInPart: 0 });
    expect(smsSegments('中'.repeat(71))).toEqual({ encoding: 'UCS-2', units: 71, parts: 2, perPart: 67, remainingInPart: 63 });
  });

  it('fits 67 * 2 in two parts and needs a third from 135', () => {
    expect(smsSegments('中'.repeat(134))).toMatchObject({ parts: 2, remainingInPart: 0 });
    expect(smsSegments('中'.repeat(135))).toMatchObject({ parts: 3, remainingInPart: 66 });
  });

  it('counts an emoji as two units', () => {
    expect(smsSegments(EMOJI)).toMatchObject({ encoding: 'UCS-2', units: 2, parts: 1 });
    expect(smsSegments(EMOJI.repeat(35))).toMatchObject({ units: 70, parts: 1 });
    expect(smsSegments(EMOJI.repeat(36))).toMatchObject({ units: 72, parts: 2 });
  });

  it('never splits a surrogate pair: a part with 66 units pushes the emoji to the next part', () => {
    const text = 'a'.repeat(66) + EMOJI + 'b'.repeat(5);
    expect(smsSegments(text)).toEqual({ encoding: 'UCS-2', units: 73, parts: 2, perPart: 67, remainingInPart: 67 - 7 });
    // 134 units would divide into two parts; packing needs three.
    const edge = 'a'.repeat(66) + EMOJI + 'b'.repeat(66);
    expect(smsSegments(edge)).toMatchObject({ units: 134, parts: 3, remainingInPart: 66 });
  });
});
