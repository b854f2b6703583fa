import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DoNotCallEntry, DoNotCallImportResult } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';

/** The do-not-call list: one page at a time from the core, searched there (the list may hold many thousands). */
export const useDoNotCallStore = defineStore('doNotCall', () => {
  const items = ref<DoNotCallEntry[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const importing = ref(false);
  const query = ref({ search: '', page: 1, pageSize: 25 });

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const page = await unwrap(autocall().dnc.list({ ...query.value }));
      items.value = page.items;
      total.value = page.total;
    } finally {
      loading.value = false;
    }
  }

  async function add(phone: string, note: string): Promise<DoNotCallEntry> {
    const entry = await unwrap(autocall().dnc.add({ phone, ...(note.trim() ? { note: note.trim() } : {}) }));
    await load();
    return entry;
  }

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

  async function remove(phone: string): Promise<void> {
    await unwrap(autocall().dnc.remove({ phone }));
    await load();
  }

  function countInRoster(rosterId: number): Promise<number> {
    return unwrap(autocall().dnc.countInRoster({ rosterId }));
  }

  return { items, total, loading, importing, query, load, add, importFile, remove, countInRoster };
});
