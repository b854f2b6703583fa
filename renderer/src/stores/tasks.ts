import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { OperationInput } from '../../../shared/contract/schemas.js';
import type { EngineStatus, Task, TaskNumberFilter } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';
import { usePagedTable } from '../composables/usePagedTable.js';
import { trailingThrottle } from '../throttle.js';

/** The engine status (gateway state, who dials) has no event of its own. */
const STATUS_POLL_MS = 2000;

/**
 * Scheduler (Task Management): one page of the task table and the engine
 * status shown above it. The numbers of a task are always fetched a page at
 * a time (task.numbers). Pages follow the core's task.changed events
 * through `onTaskChanged`, which shares one subscription among them.
 */
export const useTasksStore = defineStore('tasks', () => {
  const table = usePagedTable<Task>((page, pageSize) => unwrap(autocall().task.list({ page, pageSize })), { pageSize: 25 });
  const { items, total, page, pageSize, loading, load, after } = table;
  const engine = ref<EngineStatus | null>(null);

  async function loadEngine(): Promise<void> {
    engine.value = await unwrap(autocall().engine.status({}));
  }

  const listeners = new Set<(taskId: number) => void>();
  let stopEvents: (() => void) | null = null;

  /** Calls `listener` with the task's id on every task.changed; returns the function that stops it. */
  function onTaskChanged(listener: (taskId: number) => void): () => void {
    listeners.add(listener);
    stopEvents ??= autocall().subscribe('task.changed', ({ taskId }) => {
      for (const each of listeners) each(taskId);
    });
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0) return;
      stopEvents?.();
      stopEvents = null;
    };
  }

  /** The task table page: reloads on any task's change (at most twice a second) and polls the engine status. */
  /** Open row menus: while one is open the table keeps still, so the row under the pointer does not change. */
  let held = 0;
  let missed = false;
  function holdTable(hold: boolean): void {
    held = Math.max(0, held + (hold ? 1 : -1));
    if (held === 0 && missed) {
      missed = false;
      void load().catch(() => {});
    }
  }

  function followTable(): () => void {
    const reload = trailingThrottle(() => {
      if (held > 0) missed = true;
      else void load().catch(() => {}); // a failed refresh keeps the last page
    }, 500);
    const stopChanges = onTaskChanged(() => reload.call());
    const poll = setInterval(() => void loadEngine().catch(() => {}), STATUS_POLL_MS);
    void loadEngine().catch(() => {});
    return () => {
      stopChanges();
      reload.cancel();
      clearInterval(poll);
    };
  }

  const create = (input: OperationInput<'task.create'>) => after(unwrap(autocall().task.create(input)));
  const rename = (id: number, name: string) => after(unwrap(autocall().task.rename({ id, name })));
  const pause = (id: number) => after(unwrap(autocall().task.pause({ id })));
  const resume = (id: number) => after(unwrap(autocall().task.resume({ id })));
  const cancel = (id: number) => after(unwrap(autocall().task.cancel({ id })));
  const remove = (id: number) => after(unwrap(autocall().task.remove({ id })));
  const retryUncertain = (id: number) => after(unwrap(autocall().task.retryUncertain({ id })));

  const get = (id: number) => unwrap(autocall().task.get({ id }));
  const numbers = (id: number, filter: TaskNumberFilter, pageNo: number, size: number, search?: string) =>
    unwrap(autocall().task.numbers({ id, filter, page: pageNo, pageSize: size, ...(search ? { search } : {}) }));
  // The supervisor's view (issue 9).
  const stats = (id: number) => unwrap(autocall().task.stats({ id }));
  const dashboard = () => unwrap(autocall().dashboard.get({}));
  const callAgain = (input: OperationInput<'task.callAgain'>) => after(unwrap(autocall().task.callAgain(input)));
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
    table,
    load,
    loadEngine,
    onTaskChanged,
    followTable,
    holdTable,
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
    stats,
    dashboard,
    callAgain,
  };
});
