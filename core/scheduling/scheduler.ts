import { Cron } from 'croner';
import { WIB_ZONE } from '../../shared/time/wib.js';
import type { CoreContext } from '../context.js';
import { nextWindowOpening } from '../tasks/callingWindow.js';

/**
 * Wakes the engine at the exact instant a scheduled task is due and when a
 * running task's calling window opens (croner one-shot jobs in
 * Asia/Jakarta). The engine's own periodic tick checks the same conditions
 * from the store, so a missed wake-up only delays, and schedules survive
 * restarts because they live in the store, not in these timers.
 */
export class Scheduler {
  private readonly jobs = new Map<string, Cron>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly wake: () => void,
  ) {}

  /** Re-arms the jobs from the store; call after any task change. */
  refresh(): void {
    const now = this.ctx.clock.now();
    const wanted = new Map<string, number>();
    const scheduled = this.ctx.db.prepare("SELECT id, start_at FROM tasks WHERE status = 'scheduled' AND start_at > ?").all(now) as {
      id: number;
      start_at: number;
    }[];
    for (const t of scheduled) wanted.set(`start:${t.id}:${t.start_at}`, t.start_at);
    const windowed = this.ctx.db
      .prepare("SELECT id, window_start, window_end FROM tasks WHERE status = 'running' AND window_start IS NOT NULL AND window_end IS NOT NULL")
      .all() as { id: number; window_start: string; window_end: string }[];
    for (const t of windowed) {
      const at = nextWindowOpening(now, { start: t.window_start, end: t.window_end });
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
