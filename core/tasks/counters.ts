import type { CoreContext } from '../context.js';
import { assertFence, type Fence } from './lease.js';

/**
 * The task counters as the rows say they should be: n_done counts numbers
 * with a final state (done or uncertain, recovery.ts; a do-not-call skip is
 * done too), each outcome counter its done numbers, the SMS counters the outbox rows sent and failed.
 */
const FROM_ROWS = `
  SELECT t.id,
    t.n_done, t.n_answered, t.n_unanswered, t.n_invalid, t.n_rejected, t.n_failed, t.n_uncertain, t.n_sms_sent, t.n_sms_failed, t.n_do_not_call,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state IN ('done', 'uncertain')) AS r_done,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = 'done' AND n.outcome = 'answered') AS r_answered,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = 'done' AND n.outcome IN ('busy', 'noAnswer', 'poweredOff')) AS r_unanswered,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = 'done' AND n.outcome = 'invalidNumber') AS r_invalid,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = 'done' AND n.outcome = 'rejected') AS r_rejected,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = 'done' AND n.outcome = 'failed') AS r_failed,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = 'uncertain') AS r_uncertain,
    (SELECT count(*) FROM task_numbers n WHERE n.task_id = t.id AND n.state = 'done' AND n.outcome = 'doNotCall') AS r_do_not_call,
    (SELECT count(*) FROM sms_outbox s WHERE s.task_id = t.id AND s.state = 'sent') AS r_sms_sent,
    (SELECT count(*) FROM sms_outbox s WHERE s.task_id = t.id AND s.state = 'failed') AS r_sms_failed
  FROM tasks t`;

const COUNTERS = ['done', 'answered', 'unanswered', 'invalid', 'rejected', 'failed', 'uncertain', 'do_not_call', 'sms_sent', 'sms_failed'] as const;
type Counter = (typeof COUNTERS)[number];
type CounterRow = { id: number } & Record<`n_${Counter}` | `r_${Counter}`, number>;

export interface CounterMismatch {
  taskId: number;
  counter: Counter;
  stored: number;
  rows: number;
}

/** Where the stored counters disagree with the rows (the soak test and the dialer's start-up use it). */
export function counterMismatches(ctx: Pick<CoreContext, 'db'>, taskId?: number): CounterMismatch[] {
  const rows = (taskId === undefined ? ctx.db.prepare(FROM_ROWS).all() : ctx.db.prepare(`${FROM_ROWS} WHERE t.id = ?`).all(taskId)) as CounterRow[];
  const out: CounterMismatch[] = [];
  for (const r of rows) {
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
  return db
    .transaction(() => {
      assertFence(db, fence);
      const wrong = counterMismatches(ctx);
      const tasks = [...new Set(wrong.map((m) => m.taskId))];
      for (const taskId of tasks) {
        const fixes = wrong.filter((m) => m.taskId === taskId);
        db.prepare(`UPDATE tasks SET ${fixes.map((m) => `n_${m.counter} = ?`).join(', ')} WHERE id = ?`).run(...fixes.map((m) => m.rows), taskId);
        ctx.log.warn('task counters disagreed with the rows; rebuilt from the rows', {
          taskId,
          counters: Object.fromEntries(fixes.map((m) => [m.counter, { stored: m.stored, rows: m.rows }])),
        });
      }
      return tasks;
    })
    .immediate();
}
