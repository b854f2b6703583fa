import { describe, expect, it } from 'vitest';
import {
  ENTRIES_PER_INSERT,
  jsonString,
  PREPARED_BATCH_ENTRIES,
  RowPreparer,
  RowsOutput,
  unpackEntries,
  type PreparedBatch,
  type PrepareSpec,
  type RowsOut,
} from './preparedRows.js';
import { DEFAULT_ROSTER_LIMITS } from './rosterLimits.js';
import type { SheetRow } from './sheetRows.js';

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

describe('RowPreparer', () => {
  const spec = (phoneColumn?: string): PrepareSpec => ({ fileName: 'roster.csv', limits: DEFAULT_ROSTER_LIMITS, phoneColumn });
  const row = (rowNumber: number, ...cells: string[]): SheetRow => ({ rowNumber, cells });
  const prepared = (outs: RowsOut[]): PreparedBatch[] => outs.flatMap((o) => ('prepared' in o ? [o.prepared] : []));

  it('sends the header first, then entries as bound (row, E.164, raw, variables JSON) and issues with the row a duplicate repeats', () => {
    const preparer = new RowPreparer(spec());
    const outs = preparer.add([
      row(1, 'Nama', 'Nomor HP', 'Kota'),
      row(2, 'Budi', '0812-3456-7890', 'Jakarta "Pusat"'),
      row(4, 'Sari', '12'),
      row(5, 'Andi', '+62 812 3456 7890', 'Bogor'),
    ]);
    expect(outs).toEqual([{ header: { columns: ['Nama', 'Nomor HP', 'Kota'], phoneIndex: 1 } }]);
    const [last] = prepared(preparer.end());
    const entries = [...unpackEntries(last!.entries)];
    expect(entries).toEqual([[2, '+6281234567890', '0812-3456-7890', '{"Nama":"Budi","Kota":"Jakarta \\"Pusat\\""}']]);
    expect(JSON.parse(entries[0]![3])).toEqual({ Nama: 'Budi', Kota: 'Jakarta "Pusat"' });
    expect(last!.issues).toEqual([4, '12', 'invalid', 'tooShort', null, 5, '+62 812 3456 7890', 'duplicate', 'duplicate', 2]);
    expect(last!.counts).toEqual({ totalRows: 3, validCount: 1, duplicateCount: 1, invalidCount: 1 });
  });

  it('hands over batches of PREPARED_BATCH_ENTRIES entries, counts running, the rest at the end, every value cut back as it was', () => {
    const preparer = new RowPreparer(spec());
    const rows = [row(1, 'Phone', 'Nama')];
    // Names of every length, with characters outside Latin-1 and a surrogate pair, so the lengths are UTF-16 units.
    for (let i = 0; i < 1234; i++) rows.push(row(i + 2, `08${1_200_000_000 + i}`, '王😀x'.repeat(i % 7)));
    const batches = prepared([...preparer.add(rows), ...preparer.end()]);
    expect(batches.map((b) => b.entries.count)).toEqual([500, 500, 234]);
    expect(batches.map((b) => b.counts.validCount)).toEqual([500, 1000, 1234]);
    const entries = batches.flatMap((b) => [...unpackEntries(b.entries)]);
    expect(entries).toHaveLength(1234);
    entries.forEach(([rowNumber, e164, raw, variables], i) => {
      expect([rowNumber, e164, raw, JSON.parse(variables)]).toEqual([i + 2, `+628${1_200_000_000 + i}`, `08${1_200_000_000 + i}`, { Nama: '王😀x'.repeat(i % 7) }]);
    });
    expect(PREPARED_BATCH_ENTRIES % ENTRIES_PER_INSERT).toBe(0);
  });

  it('stops at the header when no column is recognised, and refuses a chosen column that is not there', () => {
    const output = new RowsOutput(spec());
    expect(output.add([row(1, 'A', 'B'), row(2, 'x', '0812 3456 7890')])).toEqual([{ header: { columns: ['A', 'B'], phoneIndex: null } }]);
    expect(output.finished).toBe(true);
    expect(output.add([row(3, 'y', '0812 3456 7891')])).toEqual([]);
    expect(() => new RowPreparer(spec('Telepon')).add([row(1, 'A', 'B')])).toThrow(expect.objectContaining({ code: 'roster.unknownColumn' }));
  });

  it('checks the limits on every row: rows, columns, cell length', () => {
    const limits = { ...DEFAULT_ROSTER_LIMITS, maxRows: 2, maxColumns: 3, maxCellLength: 5 };
    const make = () => new RowPreparer({ fileName: 'r.csv', limits, phoneColumn: undefined });
    expect(() => make().add([row(1, 'Phone'), row(2, '1'), row(3, '2'), row(4, '3')])).toThrow(expect.objectContaining({ code: 'roster.tooManyRows' }));
    expect(() => make().add([row(1, 'Phone'), row(2, '1', '2', '3', '4')])).toThrow(expect.objectContaining({ code: 'roster.tooManyColumns' }));
    expect(() => make().add([row(1, 'Phone', 'Name'), row(7, '1', 'toolong')])).toThrow(
      expect.objectContaining({ code: 'roster.cellTooLong', params: expect.objectContaining({ rowNumber: 7, column: 'Name' }) as unknown }),
    );
    expect(() => make().end()).toThrow(expect.objectContaining({ code: 'roster.empty' }));
  });

  it('passes raw rows through untouched without a spec (the do-not-call list)', () => {
    const output = new RowsOutput(undefined);
    const rows = [row(1, 'Phone'), row(2, 'anything')];
    expect(output.add(rows)).toEqual([{ rows }]);
    expect(output.end()).toEqual([]);
  });
});
