import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { seedRecording, seedRoster } from '../../tests/support/seed.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { parseWib } from '../../shared/time/wib.js';
import { TaskService } from '../tasks/taskService.js';
import { Scheduler } from './scheduler.js';

function wibToEpoch(text: string): number {
  const at = parseWib(text);
  if (at === null) throw new Error(`not a WIB time: ${text}`);
  return at;
}

/**
 * The scheduler arms croner one-shot jobs in Asia/Jakarta. Fake timers move
 * Date and setTimeout together, so the wake-ups are checked to the
 * millisecond without sleeping, whatever the machine's own time zone.
 */
describe('Scheduler', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let tasks: TaskService;
  let scheduler: Scheduler;
  let wakes: number[];
  let recordingId: number;
  let rosterId: number;
  const clock = { now: () => Date.now() };

  beforeEach(() => {
    vi.useFakeTimers();
    // 2026-01-05 09:00 WIB.
    vi.setSystemTime(wibToEpoch('2026-01-05 09:00'));
    tmp = makeTempDir();
    t = makeTestContext(tmp.dir, { clock });
    tasks = new TaskService(t.ctx, { isDryRun: () => true });
    wakes = [];
    scheduler = new Scheduler(t.ctx, () => wakes.push(Date.now()));
    recordingId = seedRecording(t.ctx.db);
    rosterId = seedRoster(t.ctx.db, 3);
  });
  afterEach(() => {
    scheduler.stop();
    vi.useRealTimers();
    t.close();
    tmp.cleanup();
  });

  it('wakes the engine at the WIB instant a scheduled task is due, once', () => {
    const due = wibToEpoch('2026-01-05 10:30');
    tasks.create({ name: 'Morning', recordingId, rosterId, startAt: due });
    scheduler.refresh();
    scheduler.refresh(); // idempotent: still one job
    vi.advanceTimersByTime(due - Date.now() - 1);
    expect(wakes).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(wakes).toHaveLength(1);
    expect(wakes[0]! - due).toBeGreaterThanOrEqual(0);
    expect(wakes[0]! - due).toBeLessThan(1_000);
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(wakes).toHaveLength(1);
  });

  it('drops the wake-up of a task that was paused or cancelled before it came due', () => {
    const due = wibToEpoch('2026-01-05 11:00');
    const task = tasks.create({ name: 'Cancelled later', recordingId, rosterId, startAt: due });
    scheduler.refresh();
    tasks.cancel(task.id);
    scheduler.refresh();
    vi.advanceTimersByTime(3 * 3_600_000);
    expect(wakes).toEqual([]);
  });

  it('moves the wake-up when a task is rescheduled', () => {
    const first = wibToEpoch('2026-01-05 12:00');
    const task = tasks.create({ name: 'Moved', recordingId, rosterId, startAt: first });
    scheduler.refresh();
    const second = wibToEpoch('2026-01-05 09:30');
    t.ctx.db.prepare('UPDATE tasks SET start_at = ? WHERE id = ?').run(second, task.id);
    scheduler.refresh();
    vi.advanceTimersByTime(first - Date.now() + 1_000);
    expect(wakes).toHaveLength(1);
    expect(wakes[0]! - second).toBeLessThan(1_000);
  });

  it('wakes a running task when its calling window opens next (the next WIB morning)', () => {
    const task = tasks.create({ name: 'Windowed', recordingId, rosterId, callingWindow: { start: '08:00', end: '08:30' } });
    t.ctx.db.prepare("UPDATE tasks SET status = 'running', started_at = ? WHERE id = ?").run(Date.now(), task.id);
    scheduler.refresh();
    const opening = wibToEpoch('2026-01-06 08:00');
    vi.advanceTimersByTime(opening - Date.now() - 1);
    expect(wakes).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(wakes).toHaveLength(1);
  });
});
