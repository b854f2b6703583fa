import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addApprovedTemplate, addRecording, call, useTwilio } from '../tests/e2e/coreSetup.js';
import { writeCsv } from '../tests/support/rosterFiles.js';
import { makeTempDir } from '../tests/support/tmp.js';
import type { HostClient } from '../shared/host/client.js';
import { inProcessHost } from './host/inProcess.js';

/** The operations of the deletion checks, the roster import preview, the wizard's test SMS and the app look, through the core host, as the window reaches them. */
describe('deletion checks, roster preview, test SMS, look', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let core: HostClient;
  let saved: string[];

  beforeEach(async () => {
    tmp = makeTempDir();
    saved = [];
    core = await inProcessHost(
      { dataDir: join(tmp.dir, 'data'), host: 'cli', version: 'test', secrets: 'file-key', savePath: 'ask-parent', loginItem: 'none', dryRun: { journal: join(tmp.dir, 'journal') } },
      {
        'dialog.pickSavePath': async ({ suggestedName }) => {
          const path = join(tmp.dir, suggestedName);
          saved.push(path);
          return { path };
        },
      },
    );
  });
  afterEach(async () => {
    await core.control('host.close', {});
    core.disconnect();
    tmp.cleanup();
  });

  async function roster(lines: string[], fileName = 'Promotion_List_202601.csv') {
    const analysis = await call(core, 'roster.analyze', { path: writeCsv(tmp.dir, fileName, lines) });
    if (analysis.kind !== 'staged') throw new Error('not staged');
    return analysis;
  }

  it('names the unfinished task that keeps a recording, roster or template from being deleted', async () => {
    const recordingId = await addRecording(core, 'Promotion Campaign');
    const staged = await roster(['Nama,Nomor HP', 'Budi,0812-3456-7890']);
    const rosterId = (await call(core, 'roster.confirm', { id: staged.roster.id })).id;
    await useTwilio(core, 'http://127.0.0.1:9');
    const templateId = await addApprovedTemplate(core, 'Thanks', 'Terima kasih {Nama}');
    const unused = await addApprovedTemplate(core, 'Other', 'Halo');
    const task = await call(core, 'task.create', {
      name: 'January 2026 Promotion',
      recordingId,
      rosterId,
      start: { mode: 'scheduled', at: '2099-01-05 09:00' },
      smsDisconnectTemplateId: templateId,
    });
    for (const [kind, id] of [['recording', recordingId], ['roster', rosterId], ['template', templateId]] as const) {
      expect(await call(core, 'task.usersOf', { kind, id })).toEqual([{ id: task.id, name: 'January 2026 Promotion' }]);
    }
    expect(await call(core, 'task.usersOf', { kind: 'template', id: unused })).toEqual([]);
    for (const [op, id, code] of [
      ['recording.remove', recordingId, 'recording.inUseByTask'],
      ['roster.remove', rosterId, 'roster.inUseByTask'],
      ['template.remove', templateId, 'template.inUseByTask'],
    ] as const) {
      const result = await core.dispatch(op, { id });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error.code).toBe(code);
      expect(result.error.params?.task).toBe('January 2026 Promotion');
      expect(result.error.message).toContain('"January 2026 Promotion"');
    }
    await call(core, 'task.cancel', { id: task.id });
    expect(await call(core, 'task.usersOf', { kind: 'roster', id: rosterId })).toEqual([]);
    await call(core, 'template.remove', { id: templateId });
  });

  it('names the row a duplicate repeats, flags landlines and foreign numbers, and saves the unusable rows as csv', async () => {
    const staged = await roster([
      'Nama,Nomor HP',
      'Budi,0812-3456-7890', // row 2
      'Sari,021-5550-1234', // row 3: Jakarta landline
      'Andi,+62 812 3456 7890', // row 4: repeats row 2
      'Dewi,12', // row 5: too short
      'Eko,+65 6123 4567', // row 6: Singapore
      'Fajar,081234567890', // row 7: repeats row 2
      'Gita,=1+2', // row 8: not a number, and a formula in a spreadsheet
    ]);
    const id = staged.roster.id;
    expect(staged.issues.map((i) => [i.rowNumber, i.reason, i.duplicateOfRow])).toEqual([
      [4, 'duplicate', 2],
      [5, 'tooShort', undefined],
      [7, 'duplicate', 2],
      [8, 'notANumber', undefined],
    ]);
    const flags = await call(core, 'roster.flags', { id });
    expect(flags).toEqual({
      landlineCount: 1,
      foreignCount: 1,
      items: [
        { rowNumber: 3, phoneE164: '+622155501234', kind: 'landline', country: 'ID' },
        { rowNumber: 6, phoneE164: '+6561234567', kind: 'foreign', country: 'SG' },
      ],
    });
    const exported = await call(core, 'roster.exportIssues', { id });
    expect(exported).toEqual({ path: saved[0], rows: 4 });
    expect(saved[0]).toMatch(/Promotion_List_202601 - unusable rows\.csv$/);
    expect(readFileSync(saved[0]!, 'utf8')).toBe(
      "\uFEFFrow,Nomor HP,problem,repeats row\r\n4,'+62 812 3456 7890,duplicate,2\r\n5,12,tooShort,\r\n7,081234567890,duplicate,2\r\n8,'=1+2,notANumber,\r\n",
    );
  });

  it('sends the wizard\'s test SMS filled in from a roster row, only to the dry-run journal while the dry run is selected', async () => {
    const staged = await roster(['Nama,Nomor HP', 'Budi,0812-3456-7890', 'Sari,0813-1111-2222']);
    const templateId = await addApprovedTemplate(core, 'Thanks', 'Terima kasih {Nama}!');
    const sent = await call(core, 'sms.sendTest', { to: '0856 7777 8888', templateId, rosterId: staged.roster.id, rowNumber: 3 });
    expect(sent).toMatchObject({ dryRun: true, to: '+6285677778888', text: 'Terima kasih Sari!', result: { accepted: true } });
    expect(readFileSync(join(tmp.dir, 'journal'), 'utf8')).toBe('sms +6285677778888\n');
    const missing = await core.dispatch('sms.sendTest', { to: '0856 7777 8888', templateId, rosterId: staged.roster.id, rowNumber: 9 });
    expect(missing.ok ? null : missing.error.code).toBe('sms.testRowMissing');
  });

  it('keeps the theme, and says whether a language was ever chosen', async () => {
    expect(await call(core, 'app.info', {})).toMatchObject({ theme: 'system', localeChosen: false, locale: 'en' });
    await call(core, 'settings.setTheme', { theme: 'dark' });
    await call(core, 'settings.setLocale', { locale: 'zh' });
    expect(await call(core, 'app.info', {})).toMatchObject({ theme: 'dark', localeChosen: true, locale: 'zh' });
  });
});
