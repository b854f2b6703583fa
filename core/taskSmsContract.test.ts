import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { seedActiveSmsAccount, seedRecording, seedRoster, seedTemplate } from '../tests/support/seed.js';
import { makeTempDir } from '../tests/support/tmp.js';
import { Core } from './core.js';
import { FileKeySecretBox } from './credentials/secretBox.js';
import { silentLogger } from './log.js';

/** The SMS follow-up operations (issue 10) as every host reaches them: through the contract. */
describe('task.uncertainSms / task.resendSms / task.smsDeliveries through dispatch', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let core: Core;
  let taskId: number;
  let smsId: number;

  beforeEach(async () => {
    tmp = makeTempDir();
    core = await Core.open({ dataDir: join(tmp.dir, 'data'), secretBox: new FileKeySecretBox(join(tmp.dir, 'k')), host: 'cli', version: 't', log: silentLogger });
    const db = core.ctx.db;
    seedActiveSmsAccount(db);
    taskId = core.tasks.create({ name: 'Promo', recordingId: seedRecording(db), rosterId: seedRoster(db, 2), smsDisconnectTemplateId: seedTemplate(db, 'Halo {name}') }).id;
    smsId = Number(
      db
        .prepare("INSERT INTO sms_outbox (task_id, task_number_id, kind, to_e164, text, state, dry_run, created_at, updated_at) SELECT task_id, id, 'disconnect', phone_e164, 'Halo', 'uncertain', 1, 0, 0 FROM task_numbers WHERE task_id = ? LIMIT 1")
        .run(taskId).lastInsertRowid,
    );
  });
  afterEach(() => {
    core.close();
    tmp.cleanup();
  });

  it('refuses a resend that does not say the user accepted a possible duplicate', async () => {
    for (const input of [{ id: taskId, sms: 'all' }, { id: taskId, sms: 'all', acceptDuplicate: false }, { id: taskId, sms: [], acceptDuplicate: true }]) {
      const result = await core.dispatch('task.resendSms', input);
      expect(result.ok, JSON.stringify(input)).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('contract.invalidInput');
    }
    expect(core.ctx.db.prepare('SELECT state FROM sms_outbox WHERE id = ?').pluck().get(smsId)).toBe('uncertain');
  });

  it('lists, resends with acceptDuplicate, and pages deliveries', async () => {
    const listed = await core.dispatch('task.uncertainSms', { id: taskId });
    expect(listed).toMatchObject({ ok: true, value: [{ id: smsId, text: 'Halo', dryRun: true }] });
    expect(await core.dispatch('task.resendSms', { id: taskId, sms: [smsId], acceptDuplicate: true })).toEqual({ ok: true, value: { requeued: 1 } });
    expect(core.ctx.db.prepare('SELECT state FROM sms_outbox WHERE id = ?').pluck().get(smsId)).toBe('queued');
    const page = await core.dispatch('task.smsDeliveries', { id: taskId, filter: 'all' });
    expect(page).toMatchObject({ ok: true, value: { total: 1, page: 1, pageSize: 50, items: [{ id: smsId, state: 'queued', delivery: null }] } });
    expect(await core.dispatch('task.smsDeliveries', { id: taskId, filter: 'nonsense' })).toMatchObject({ ok: false, error: { code: 'contract.invalidInput' } });
    expect(await core.dispatch('task.uncertainSms', { id: 999 })).toMatchObject({ ok: false, error: { code: 'task.notFound' } });
  });
});
