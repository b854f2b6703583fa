import { describe, expect, it } from 'vitest';
import { UiError } from '../api/call.js';
import type { Page } from '../../../shared/types.js';
import { pageSizeItems, usePagedTable } from './usePagedTable.js';

/** A list of `count` numbers the way the core pages it: page numbers from 1. */
function pager(count: number) {
  const asked: [number, number][] = [];
  let fail = false;
  const fetch = async (page: number, pageSize: number): Promise<Page<number>> => {
    asked.push([page, pageSize]);
    if (fail) throw new UiError('db.busy', 'The database is busy.');
    const all = Array.from({ length: count }, (_, i) => i + 1);
    return { items: all.slice((page - 1) * pageSize, page * pageSize), total: count, page, pageSize };
  };
  return { fetch, asked, failNext: (on: boolean) => (fail = on) };
}

describe('usePagedTable', () => {
  it('loads the page the table asks for, with its size', async () => {
    const list = pager(23);
    const table = usePagedTable(list.fetch, { pageSize: 10 });
    await table.onOptions({ page: 3, itemsPerPage: 10 });
    expect(table.items.value).toEqual([21, 22, 23]);
    expect(table.total.value).toBe(23);
    expect(table.loading.value).toBe(false);
    await table.onOptions({ page: 2, itemsPerPage: 5 });
    expect(table.items.value).toEqual([6, 7, 8, 9, 10]);
    expect(list.asked).toEqual([
      [3, 10],
      [2, 5],
    ]);
  });

  it('goes back to the first page when the filter changes', async () => {
    const list = pager(50);
    const table = usePagedTable(list.fetch, { pageSize: 25 });
    await table.onOptions({ page: 2, itemsPerPage: 25 });
    await table.restart();
    expect(table.page.value).toBe(1);
    expect(table.items.value[0]).toBe(1);
  });

  it('is loading while the core answers', async () => {
    const list = pager(5);
    const table = usePagedTable(list.fetch, { pageSize: 25 });
    const loading = table.load();
    expect(table.loading.value).toBe(true);
    await loading;
    expect(table.loading.value).toBe(false);
  });

  it('keeps the page shown when a load fails and reports the translated reason', async () => {
    const list = pager(30);
    const told: string[] = [];
    const table = usePagedTable(list.fetch, { pageSize: 10, onError: (m) => told.push(m) });
    await table.load();
    list.failNext(true);
    await table.onOptions({ page: 2, itemsPerPage: 10 });
    expect(told).toEqual(['The database is busy.']);
    expect(table.items.value).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(table.loading.value).toBe(false);
  });

  it('without onError lets the failure through (a store’s caller shows it)', async () => {
    const list = pager(3);
    list.failNext(true);
    const table = usePagedTable(list.fetch, { pageSize: 10 });
    await expect(table.load()).rejects.toThrow('The database is busy.');
    expect(table.loading.value).toBe(false);
  });

  it('reloads after a change and answers what the core answered', async () => {
    const list = pager(4);
    const table = usePagedTable(list.fetch, { pageSize: 10 });
    const answer = await table.after(Promise.resolve('added'));
    expect(answer).toBe('added');
    expect(table.items.value).toEqual([1, 2, 3, 4]);
  });

  it('offers page sizes as the footer lists them', () => {
    expect(pageSizeItems(10, 25)).toEqual([
      { value: 10, title: '10' },
      { value: 25, title: '25' },
    ]);
  });
});
