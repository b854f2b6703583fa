import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { SmsTemplate } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';

/** SMS Templates: the core keeps the status rules (editing an approved text returns it to pending). */
export const useTemplatesStore = defineStore('templates', () => {
  const items = ref<SmsTemplate[]>([]);
  const loading = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      items.value = await unwrap(autocall().template.list({}));
    } finally {
      loading.value = false;
    }
  }

  async function after<T>(pending: Promise<T>): Promise<T> {
    const value = await pending;
    await load();
    return value;
  }

  const create = (name: string, body: string) => after(unwrap(autocall().template.create({ name, body })));
  const update = (id: number, name: string, body: string) => after(unwrap(autocall().template.update({ id, name, body })));
  const approve = (id: number) => after(unwrap(autocall().template.approve({ id })));
  const reject = (id: number, reason: string) => after(unwrap(autocall().template.reject({ id, reason })));
  const remove = (id: number) => after(unwrap(autocall().template.remove({ id })));

  return { items, loading, load, create, update, approve, reject, remove };
});
