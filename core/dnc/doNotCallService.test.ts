import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { writeCsv, writeXlsx } from '../../tests/support/rosterFiles.js';
import { seedRoster, phoneFor } from '../../tests/support/seed.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { AppError } from '../errors.js';
import { DoNotCallService } from './doNotCallService.js';

describe('DoNotCallService', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let dnc: DoNotCallService;

  beforeEach(() => {
    tmp = makeTempDir();
    t = makeTestContext(tmp.dir);
    dnc = new DoNotCallService(t.ctx);
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  function codeOf(fn: () => unknown): string | undefined {
    try {
      fn();
    } catch (err) {
      return err instanceof AppError ? err.code : 'not an AppError';
    }
    return undefined;
  }

  it('keeps numbers in E.164 whatever form they are typed in, once each', () => {
    const entry = dnc.add('0812-3456-7890', 'asked not to be called');
    expect(entry).toMatchObject({ phoneE164: '+6281234567890', phoneRaw: '0812-3456-7890', note: 'asked not to be called', source: 'manual' });
    expect(dnc.isListed('+6281234567890')).toBe(true);
    expect(codeOf(() => dnc.add('+62 812 3456 7890'))).toBe('dnc.alreadyListed');
    expect(codeOf(() => dnc.add('hello'))).toBe('dnc.badNumber');
    expect(dnc.list('', 1, 50).total).toBe(1);
  });

  it('removes a number given in another form, and says when it is not listed', () => {
    dnc.add('081234567890');
    dnc.remove('6281234567890');
    expect(dnc.isListed('+6281234567890')).toBe(false);
    expect(codeOf(() => dnc.remove('081234567890'))).toBe('dnc.notListed');
  });

  it('searches by digits in any national form and by note, newest first', () => {
    dnc.add('081234567890', 'complaint');
    dnc.add('081399998888');
    dnc.add('+6531234567', 'Singapore office');
    expect(dnc.list('0812 3456', 1, 50).items.map((e) => e.phoneE164)).toEqual(['+6281234567890']);
    expect(dnc.list('62813', 1, 50).items.map((e) => e.phoneE164)).toEqual(['+6281399998888']);
    expect(dnc.list('singapore', 1, 50).items.map((e) => e.phoneE164)).toEqual(['+6531234567']);
    expect(dnc.list('100%', 1, 50).total).toBe(0);
    const page = dnc.list('', 1, 2);
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(2);
  });

  it('imports a csv with a header: added, already listed and unusable rows counted apart', async () => {
    dnc.add('081234567890');
    const file = writeCsv(tmp.dir, 'dnc.csv', ['Nama,Nomor HP', 'Budi,0812-3456-7890', 'Sari,+62 813 9999 8888', 'Andi,12', 'Dewi,', 'Eko,081399998888']);
    const r = await dnc.import(file);
    expect(r).toMatchObject({ kind: 'imported', phoneColumn: 'Nomor HP', totalRows: 5, added: 1, alreadyListed: 2, invalidCount: 2 });
    if (r.kind !== 'imported') throw new Error('not imported');
    expect(r.invalid).toEqual([
      { rowNumber: 4, phoneRaw: '12', reason: 'tooShort' },
      { rowNumber: 5, phoneRaw: '', reason: 'empty' },
    ]);
    expect(dnc.list('', 1, 50).items.find((e) => e.phoneE164 === '+6281399998888')?.source).toBe('dnc.csv');
  });

  it('reads a one-column file of numbers without a header, and an xlsx whose phone column must be chosen', async () => {
    const bare = writeCsv(tmp.dir, 'bare.csv', ['081234567890', '081399998888']);
    expect(await dnc.import(bare)).toMatchObject({ kind: 'imported', totalRows: 2, added: 2 });
    const xlsx = await writeXlsx(tmp.dir, 'list.xlsx', [['Customer', 'Data'], ['Budi', '0856 1111 2222']]);
    expect(await dnc.import(xlsx)).toEqual({ kind: 'needsPhoneColumn', headers: ['Customer', 'Data'] });
    expect(await dnc.import(xlsx, 'Data')).toMatchObject({ kind: 'imported', added: 1 });
    expect(dnc.isListed('+6285611112222')).toBe(true);
  });

  it('refuses a file that is not a roster format with the roster reader\'s message, adding nothing', async () => {
    const txt = writeCsv(tmp.dir, 'numbers.txt', ['081234567890']);
    await expect(dnc.import(txt)).rejects.toMatchObject({ code: 'roster.unsupportedFormat' });
    expect(dnc.list('', 1, 50).total).toBe(0);
  });

  it('counts the numbers of a roster that are on the list', () => {
    const rosterId = seedRoster(t.ctx.db, 5);
    dnc.add(phoneFor(1));
    dnc.add(phoneFor(3));
    dnc.add('081399998888');
    expect(dnc.countInRoster(rosterId)).toBe(2);
  });
});
