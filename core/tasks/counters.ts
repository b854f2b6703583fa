import type { CoreContext } from '../context.js';
import { assertFence, type Fence } from './lease.js';
import { COUNTERS, TaskStore, type Counter } from './taskStore.js';

export interface CounterMismatch {
  taskId: number;
  counter: Counter;
  stored: number;
  rows: number;
}

/**
 * Where the stored counters disagree with the rows (the soak test and the
 * dialer's start-up use it): n_done counts numbers with a final state (done
 * or uncertain, recovery.ts; a do-not-call skip is done too), each outcome
 * counter its done numbers, the SMS counters the outbox rows sent and failed.
 */
export function counterMismatches(ctx: Pick<CoreContext, 'db'>, taskId?: number): CounterMismatch[] {
  const out: CounterMismatch[] = [];
  for (const r of new TaskStore(ctx.db).countersAgainstRows(taskId)) {
    for (const c of COUNTERS) if (r[`n_${c}`] !== r[`r_${c}`]) out.push({ taskId: r.id, counter: c, stored: r[`n_${c}`], rows: r[`r_${c}`] });
  }
  return out;
}

/**
 * Run when a dialer takes the lease (start-up, take-over), after recovery:
 * counters are kept in the same transactions as the rows they count, so
 * they only disagree after a bug or a write that slipped past the fence in
 * an older version. The rows win; the disagreement is logged. Fenced like
 * every dialer write. Returns the ids of the tasks it corrected.
 */
export function reconcileCounters(ctx: CoreContext, fence: Fence): number[] {
  const { db } = ctx;
  const store = new TaskStore(db);
  return db
    .transaction(() => {
      assertFence(db, fence);
      const wrong = counterMismatches(ctx);
      const tasks = [...new Set(wrong.map((m) => m.taskId))];
      for (const taskId of tasks) {
        const fixes = wrong.filter((m) => m.taskId === taskId);
        store.setCounters(taskId, fixes.map((m) => ({ counter: m.counter, value: m.rows })));
        ctx.log.warn('task counters disagreed with the rows; rebuilt from the rows', {
          taskId,
          counters: Object.fromEntries(fixes.map((m) => [m.counter, { stored: m.stored, rows: m.rows }])),
        });
      }
      return tasks;
    })
    .immediate();
}
