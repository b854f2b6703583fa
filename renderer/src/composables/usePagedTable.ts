import { ref, type Ref } from 'vue';
import type { Page } from '../../../shared/types.js';
import { messageOf } from '../api/call.js';
import { reloadAfter } from './useLoaded.js';

/** What a server-side v-data-table reports when the user pages or changes the page size. */
export interface TableOptions {
  page: number;
  itemsPerPage: number;
}

export interface PagedTableOptions {
  /** The first page size (the table's :items-per-page). */
  pageSize: number;
  /**
   * Where a failed load goes, as a sentence in the user's language; the last
   * page stays shown. Without it, `load` throws (a store's caller decides).
   */
  onError?: (message: string) => void;
}

export interface PagedTable<T> {
  items: Ref<T[]>;
  total: Ref<number>;
  page: Ref<number>;
  pageSize: Ref<number>;
  loading: Ref<boolean>;
  /** Loads the current page. */
  load: () => Promise<void>;
  /** The table's @update:options: the page the user chose, then loads it. */
  onOptions: (options: TableOptions) => Promise<void>;
  /** Back to the first page (a filter or search changed), then loads it. */
  restart: () => Promise<void>;
  /** Waits for a change the core answers, reloads the page, and resolves to the core's answer. */
  after: <R>(change: Promise<R>) => Promise<R>;
}

/**
 * One page of a list the core pages in the database (v-data-table-server):
 * the renderer never holds more than the page shown. `fetch` reads the
 * filters it needs from its own refs.
 */
export function usePagedTable<T>(fetch: (page: number, pageSize: number) => Promise<Page<T>>, options: PagedTableOptions): PagedTable<T> {
  const items = ref([]) as Ref<T[]>;
  const total = ref(0);
  const page = ref(1);
  const pageSize = ref(options.pageSize);
  const loading = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const result = await fetch(page.value, pageSize.value);
      items.value = result.items;
      total.value = result.total;
    } catch (err) {
      if (!options.onError) throw err;
      options.onError(messageOf(err));
    } finally {
      loading.value = false;
    }
  }

  function onOptions(next: TableOptions): Promise<void> {
    page.value = next.page;
    pageSize.value = next.itemsPerPage;
    return load();
  }

  function restart(): Promise<void> {
    page.value = 1;
    return load();
  }

  return { items, total, page, pageSize, loading, load, onOptions, restart, after: reloadAfter(load) };
}

/** The page-size choices of a table's footer (:items-per-page-options). */
export function pageSizeItems(...sizes: number[]): { value: number; title: string }[] {
  return sizes.map((value) => ({ value, title: String(value) }));
}
