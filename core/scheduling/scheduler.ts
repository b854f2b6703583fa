import { Cron } from 'croner';
import { WIB_ZONE } from '../../shared/time/wib.js';
import type { CoreContext } from '../context.js';
import { nextWindowOpening } from '../tasks/callingWindow.js';
import { TaskStore } from '../tasks/taskStore.js';

/**
 * Wakes the engine at the exact instant a scheduled task is due and when a
 * running task's calling window opens (croner one-shot jobs in
 * Asia/Jakarta). The engine's own periodic tick checks the same conditions
 * from the store, so a missed wake-up only delays, and schedules survive
 * restarts because they live in the store, not in these timers.
 */
export class Scheduler {
  private readonly jobs = new Map<string, Cron>();
  private readonly tasks: TaskStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly wake: () => void,
  ) {
    this.tasks = new TaskStore(ctx.db);
  }

  /** Re-arms the jobs from the store; call after any task change. */
  refresh(): void {
    const now = this.ctx.clock.now();
    const wanted = new Map<string, number>();
    for (const t of this.tasks.scheduled(now, false)) wanted.set(`start:${t.id}:${t.startAt}`, t.startAt);
    for (const t of this.tasks.dialing()) {
      if (!t.callingWindow) continue;
      const at = nextWindowOpening(now, t.callingWindow);
      wanted.set(`window:${t.id}:${at}`, at);
    }
    for (const [key, job] of this.jobs) {
      if (!wanted.has(key)) {
        job.stop();
        this.jobs.delete(key);
      }
    }
    for (const [key, at] of wanted) {
      if (this.jobs.has(key)) continue;
      const job = new Cron(new Date(at), { timezone: WIB_ZONE, name: key }, () => {
        this.jobs.delete(key);
        this.wake();
      });
      this.jobs.set(key, job);
    }
  }

  stop(): void {
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
  }
}
