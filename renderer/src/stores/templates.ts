import { defineStore } from 'pinia';
import type { SmsTemplate } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';
import { useLoaded } from '../composables/useLoaded.js';

/** SMS Templates: the core keeps the status rules (editing an approved text returns it to pending). */
export const useTemplatesStore = defineStore('templates', () => {
  const { value: items, loading, load, after } = useLoaded<SmsTemplate[]>(() => unwrap(autocall().template.list({})), []);

  const create = (name: string, body: string) => after(unwrap(autocall().template.create({ name, body })));
  const update = (id: number, name: string, body: string) => after(unwrap(autocall().template.update({ id, name, body })));
  const approve = (id: number) => after(unwrap(autocall().template.approve({ id })));
  const reject = (id: number, reason: string) => after(unwrap(autocall().template.reject({ id, reason })));
  const remove = (id: number) => after(unwrap(autocall().template.remove({ id })));

  return { items, loading, load, create, update, approve, reject, remove };
});
