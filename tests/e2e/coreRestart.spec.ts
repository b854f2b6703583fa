import { makeTempDir } from '../support/tmp.js';
import { expect, screenshot, test } from './fixtures.js';
import { addRecording, addRoster, call } from './coreSetup.js';

/**
 * The core host dies in the middle of a task (SIGKILL, as a crash): the
 * supervisor main uses (shared/host/supervisor.ts, which the bridge runs too)
 * starts a new host, the window says so, keeps working, and the task
 * carries on to the end; the calls that were in progress are `uncertain`,
 * never called twice (docs/DOMAIN.md, crash recovery).
 */
test.describe('the core process dies during a task', () => {
  test.use({
    bridgeOptions: { startEngine: true, engine: { tickMs: 50, leaseTtlMs: 1500 }, dryRun: { callMs: 1500, channels: 2, callsPerSecond: 5, seed: 11 } },
  });

  test('main starts it again, the window shows a notice, and the task finishes with the interrupted calls uncertain', async ({ app, bridge }) => {
    test.setTimeout(120_000);
    const { page } = app;
    const tmp = makeTempDir();
    try {
      const numbers = Array.from({ length: 8 }, (_, i) => `+62812345690${String(i).padStart(2, '0')}`);
      const recordingId = await addRecording(bridge.core, 'Promotion Campaign');
      const rosterId = await addRoster(bridge.core, tmp.dir, numbers);
      const task = await call(bridge.core, 'task.create', { name: 'Restart Promotion', recordingId, rosterId, start: { mode: 'now' } });
      await app.goto('/scheduler');

      // Calls are connected: the moment a crash leaves them uncertain.
      await expect.poll(async () => (await call(bridge.core, 'engine.status', {})).activeCalls, { timeout: 20_000 }).toBeGreaterThan(0);
      const first = bridge.core;
      process.kill(first.pid!, 'SIGKILL');

      await expect(page.getByTestId('core-restarted')).toBeVisible();
      await expect(page.getByTestId('core-restarted')).toContainText('started again');
      await screenshot(page, 'core-restarted');
      expect(bridge.core).not.toBe(first);

      const row = page.getByTestId('task-table').locator('tbody tr').filter({ has: page.getByText('Restart Promotion', { exact: true }) });
      await expect(row.getByTestId('task-status')).toHaveAttribute('data-status', 'completed', { timeout: 60_000 });
      const done = await call(bridge.core, 'task.get', { id: task.id });
      expect(done.counts.done).toBe(numbers.length);
      expect(done.counts.uncertain).toBeGreaterThanOrEqual(1);
      const attempts = await call(bridge.core, 'task.numbers', { id: task.id, filter: 'all', page: 1, pageSize: 50 });
      // No number was called twice: every number has one attempt, the uncertain ones included.
      expect(attempts.items.map((n) => n.attempts)).toEqual(numbers.map(() => 1));

      await page.getByTestId('core-restarted').getByRole('button').click();
      await expect(page.getByTestId('core-restarted')).toHaveCount(0);
      expect(app.consoleErrors).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });
});
