import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DoNotCallEntry, DoNotCallImportResult } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';
import { usePagedTable } from '../composables/usePagedTable.js';

/** The do-not-call list: one page at a time from the core, searched there (the list may hold many thousands). */
export const useDoNotCallStore = defineStore('doNotCall', () => {
  const search = ref('');
  const table = usePagedTable<DoNotCallEntry>((page, pageSize) => unwrap(autocall().dnc.list({ search: search.value, page, pageSize })), { pageSize: 25 });
  const { items, total, page, pageSize, loading, load, after } = table;
  const importing = ref(false);

  const add = (phone: string, note: string) => after(unwrap(autocall().dnc.add({ phone, ...(note.trim() ? { note: note.trim() } : {}) })));

  async function importFile(file: File, phoneColumn?: string): Promise<DoNotCallImportResult> {
    const api = autocall();
    importing.value = true;
    try {
      const path = await api.pathForFile(file);
      const result = await unwrap(api.dnc.import({ path, ...(phoneColumn ? { phoneColumn } : {}) }));
      if (result.kind === 'imported') await load();
      return result;
    } finally {
      importing.value = false;
    }
  }

  const remove = (phone: string) => after(unwrap(autocall().dnc.remove({ phone })));

  function countInRoster(rosterId: number): Promise<number> {
    return unwrap(autocall().dnc.countInRoster({ rosterId }));
  }

  return { items, total, page, pageSize, loading, importing, search, table, load, restart: table.restart, add, importFile, remove, countInRoster };
});
