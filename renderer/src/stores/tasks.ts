import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { OperationInput } from '../../../shared/contract/schemas.js';
import type { EngineStatus, Task, TaskNumberFilter } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';

/** task.changed can fire for every call that ends; the table reloads at most this often. */
const RELOAD_AT_MOST_EVERY_MS = 500;
/** The engine status (gateway state, who dials) has no event of its own. */
const STATUS_POLL_MS = 2000;

/**
 * Scheduler (Task Management): one page of the task table, kept live by the
 * core's task.changed events, and the engine status shown above it. The
 * numbers of a task are always fetched a page at a time (task.numbers).
 */
export const useTasksStore = defineStore('tasks', () => {
  const items = ref<Task[]>([]);
  const total = ref(0);
  const page = ref(1);
  const pageSize = ref(25);
  const loading = ref(false);
  const engine = ref<EngineStatus | null>(null);
  /** Bumped on every task.changed, so an open detail view knows to refresh its task. */
  const changes = ref(0);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const result = await unwrap(autocall().task.list({ page: page.value, pageSize: pageSize.value }));
      items.value = result.items;
      total.value = result.total;
    } finally {
      loading.value = false;
    }
  }

  async function loadEngine(): Promise<void> {
    engine.value = await unwrap(autocall().engine.status({}));
  }

  let watchers = 0;
  let stopEvents: (() => void) | null = null;
  let poll: ReturnType<typeof setInterval> | null = null;
  let pending: ReturnType<typeof setTimeout> | null = null;
  let lastReload = 0;

  function scheduleReload(): void {
    changes.value += 1;
    if (pending) return;
    const wait = Math.max(0, lastReload + RELOAD_AT_MOST_EVERY_MS - Date.now());
    pending = setTimeout(() => {
      pending = null;
      lastReload = Date.now();
      load().catch(() => {}); // a failed refresh keeps the last page; the next change tries again
    }, wait);
  }

  /** Starts the live updates; returns the function that stops them (pages call it when they close). */
  function watchLive(): () => void {
    watchers += 1;
    if (watchers === 1) {
      stopEvents = autocall().subscribe('task.changed', scheduleReload);
      poll = setInterval(() => void loadEngine().catch(() => {}), STATUS_POLL_MS);
      void loadEngine().catch(() => {});
    }
    return () => {
      watchers -= 1;
      if (watchers > 0) return;
      stopEvents?.();
      stopEvents = null;
      if (poll) clearInterval(poll);
      poll = null;
      if (pending) clearTimeout(pending);
      pending = null;
    };
  }

  async function after<T>(request: Promise<T>): Promise<T> {
    const value = await request;
    await load();
    return value;
  }

  const create = (input: OperationInput<'task.create'>) => after(unwrap(autocall().task.create(input)));
  const rename = (id: number, name: string) => after(unwrap(autocall().task.rename({ id, name })));
  const pause = (id: number) => after(unwrap(autocall().task.pause({ id })));
  const resume = (id: number) => after(unwrap(autocall().task.resume({ id })));
  const cancel = (id: number) => after(unwrap(autocall().task.cancel({ id })));
  const remove = (id: number) => after(unwrap(autocall().task.remove({ id })));
  const retryUncertain = (id: number) => after(unwrap(autocall().task.retryUncertain({ id })));

  const get = (id: number) => unwrap(autocall().task.get({ id }));
  const numbers = (id: number, filter: TaskNumberFilter, pageNo: number, size: number) =>
    unwrap(autocall().task.numbers({ id, filter, page: pageNo, pageSize: size }));
  const attempts = (numberId: number) => unwrap(autocall().task.attempts({ numberId }));
  const attemptTrace = (attemptId: number) => unwrap(autocall().task.attemptTrace({ attemptId }));
  const exportTo = (id: number, format: 'csv' | 'xlsx') => unwrap(autocall().task.export({ id, format }));

  return {
    items,
    total,
    page,
    pageSize,
    loading,
    engine,
    changes,
    load,
    loadEngine,
    watchLive,
    create,
    rename,
    pause,
    resume,
    cancel,
    remove,
    retryUncertain,
    get,
    numbers,
    attempts,
    attemptTrace,
    exportTo,
  };
});
