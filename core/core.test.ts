import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Roster, RosterAnalysis, Task } from '../shared/types.js';
import type { Result } from '../shared/result.js';
import { seedRecording } from '../tests/support/seed.js';
import { makeTempDir } from '../tests/support/tmp.js';
import { Core } from './core.js';
import { FileKeySecretBox } from './credentials/secretBox.js';
import { silentLogger } from './log.js';

function value<T>(result: Result<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

/**
 * The composition root as its hosts use it: open on a data folder, answer
 * the contract through dispatch, run a dry-run task to the end with the
 * engine, close. The services have their own tests; this one checks they
 * are wired to each other.
 */
describe('Core', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let core: Core;
  let journal: string;

  beforeEach(async () => {
    tmp = makeTempDir();
    journal = join(tmp.dir, 'journal.txt');
    core = await Core.open({
      dataDir: join(tmp.dir, 'data'),
      secretBox: new FileKeySecretBox(join(tmp.dir, 'secret.key')),
      host: 'cli',
      version: '0.0.0-test',
      log: silentLogger,
      dryRun: { callMs: 0, channels: 4, callsPerSecond: 1000, seed: 7, journal },
      engine: { tickMs: 20 },
    });
  });
  afterEach(async () => {
    await core.stopEngine();
    core.close();
    tmp.cleanup();
  });

  it('refuses unknown operations and invalid input before any handler runs', async () => {
    expect(await core.dispatch('task.format', {})).toMatchObject({ ok: false, error: { code: 'contract.unknownOperation' } });
    expect(await core.dispatch('task.get', { id: 'one' })).toMatchObject({ ok: false, error: { code: 'contract.invalidInput', params: { field: 'id' } } });
    expect(await core.dispatch('task.get', { id: 1, extra: true })).toMatchObject({ ok: false, error: { code: 'contract.invalidInput' } });
    expect(await core.dispatch('task.get', { id: 1 })).toMatchObject({ ok: false, error: { code: 'task.notFound' } });
  });

  it('creates a task at a WIB time read by the contract’s schema, and answers a bad one with the field’s own code', async () => {
    const csv = join(tmp.dir, 'Schedule.csv');
    writeFileSync(csv, 'Phone\n081230000001\n');
    const analysis = value<RosterAnalysis>(await core.dispatch('roster.analyze', { path: csv }));
    if (analysis.kind !== 'staged') throw new Error('the Phone column was not found');
    const rosterId = value<Roster>(await core.dispatch('roster.confirm', { id: analysis.roster.id })).id;
    const recordingId = seedRecording(core.ctx.db);
    const request = { name: 'Scheduled Promo', recordingId, rosterId, start: { mode: 'scheduled', at: '2099-01-15 09:30' } };
    // 09:30 in Jakarta is 02:30 UTC, whatever this process's zone.
    expect(value<Task>(await core.dispatch('task.create', request))).toMatchObject({ scheduled: true, startAt: Date.UTC(2099, 0, 15, 2, 30) });
    expect(await core.dispatch('task.create', { ...request, name: 'Bad Day', start: { mode: 'scheduled', at: '2099-02-30 09:30' } })).toMatchObject({
      ok: false,
      error: { code: 'task.badStartDate', params: { date: '2099-02-30', days: 28 } },
    });
    expect(await core.dispatch('task.create', { ...request, name: 'Past', start: { mode: 'scheduled', at: '2000-01-01 09:30' } })).toMatchObject({
      ok: false,
      error: { code: 'task.startInPast' },
    });
    expect(await core.dispatch('task.create', { ...request, name: 'Retries', maxAttempts: 2, retryIntervalMinutes: 0 })).toMatchObject({
      ok: false,
      error: { code: 'task.badRetryInterval', params: { min: 1, max: 1440 } },
    });
    expect(await core.dispatch('task.callAgain', { id: 1, name: 'Again @', outcomes: ['busy'], start: { mode: 'now' } })).toMatchObject({
      ok: false,
      error: { code: 'task.nameBadCharacters', params: { characters: '@' } },
    });
  });

  it('runs the gateway through its manager: dry run until SIP is saved, refusals before any socket opens', async () => {
    expect(value(await core.dispatch('engine.status', {}))).toMatchObject({ gateway: 'dryRun', gatewayState: 'dryRun', gatewayError: null });
    expect(await core.dispatch('gateway.test', {})).toMatchObject({ ok: false, error: { code: 'gateway.hostMissing' } });
    expect(await core.dispatch('gateway.testCall', { to: 'abc', recordingId: 1 })).toMatchObject({ ok: false, error: { code: 'gateway.badNumber' } });
    expect(core.gatewayManager.placer(true)).toBe(core.gatewayManager.dryRun);
    // Real tasks wait (no placer) while Settings > Gateway is not on SIP.
    expect(core.gatewayManager.placer(false)).toBeNull();
    expect(value(await core.dispatch('dashboard.get', {}))).toMatchObject({ channelLimit: 4 });
  });

  it('answers app.info for its host', async () => {
    expect(value(await core.dispatch('app.info', {}))).toMatchObject({ host: 'cli', version: '0.0.0-test' });
  });

  it('imports a roster, runs a dry-run task to completion and emits its changes', async () => {
    const csv = join(tmp.dir, 'Promotion_List_202601.csv');
    writeFileSync(csv, ['Phone,name', ...Array.from({ length: 12 }, (_, i) => `0812${String(30000000 + i)},Customer ${i}`)].join('\n'));
    const analysis = value<RosterAnalysis>(await core.dispatch('roster.analyze', { path: csv }));
    if (analysis.kind !== 'staged') throw new Error('the Phone column was not found');
    const roster = value<Roster>(await core.dispatch('roster.confirm', { id: analysis.roster.id }));
    expect(roster).toMatchObject({ status: 'ready', validCount: 12 });
    const recordingId = seedRecording(core.ctx.db);

    const changes: number[] = [];
    const off = core.onEvent((event, payload) => {
      if (event === 'task.changed') changes.push((payload as { taskId: number }).taskId);
    });
    const created = value<Task>(
      await core.dispatch('task.create', { name: 'Core Test', recordingId, rosterId: roster.id, start: { mode: 'now' } }),
    );
    expect(created).toMatchObject({ dryRun: true, total: 12 });
    core.startEngine();
    let task = created;
    for (let i = 0; i < 500 && task.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      task = value<Task>(await core.dispatch('task.get', { id: created.id }));
    }
    off();
    expect(task.status).toBe('completed');
    expect(task.counts.done).toBe(12);
    const c = task.counts;
    expect(c.answered + c.unanswered + c.invalid + c.rejected + c.failed).toBe(12);
    expect(core.ctx.db.prepare("SELECT count(*) FROM task_numbers WHERE task_id = ? AND state = 'done'").pluck().get(created.id)).toBe(12);
    expect(changes).toContain(created.id);
    const dialled = readFileSync(journal, 'utf8').split('\n').filter((l) => l.startsWith('call '));
    expect(new Set(dialled).size).toBe(12);
    expect(dialled).toHaveLength(12);
    expect(core.idle()).toBe(true);
  });
});
