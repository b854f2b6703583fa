import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { seedActiveSmsAccount, seedRecording, seedRoster, seedTemplate } from '../../tests/support/seed.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { AppError } from '../errors.js';
import { TaskService } from './taskService.js';

function refusal(work: () => unknown): AppError {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('TaskService.create: template variables must be roster columns (issue 10)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let tasks: TaskService;

  beforeEach(() => {
    tmp = makeTempDir('autocall-tasks-');
    t = makeTestContext(tmp.dir);
    tasks = new TaskService(t.ctx, { isDryRun: () => true });
    seedActiveSmsAccount(t.ctx.db);
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  /** A roster whose columns are Phone (the number) and name, as seedRoster makes it. */
  function create(disconnectBody: string | null, unansweredBody: string | null = null) {
    const db = t.ctx.db;
    return tasks.create({
      name: 'January 2026 Promotion',
      recordingId: seedRecording(db),
      rosterId: seedRoster(db, 3),
      smsDisconnectTemplateId: disconnectBody === null ? null : seedTemplate(db, disconnectBody, 'approved', 'Terima kasih'),
      smsUnansweredTemplateId: unansweredBody === null ? null : seedTemplate(db, unansweredBody, 'approved', 'Maaf'),
    });
  }

  it('refuses "Halo {Nama} {Kota}" when the roster has no Kota column, naming it and the columns there are', () => {
    const err = refusal(() => create('Halo {Nama} {Kota}'));
    expect(err.code).toBe('task.templateVariablesMissing');
    expect(err.params).toEqual({ template: 'Terima kasih', roster: 'Promotion_List_202601', missing: '{Nama}, {Kota}', columns: '{name}, {phone}' });
    expect(err.message).toContain('{Nama}, {Kota}');
    expect(t.ctx.db.prepare('SELECT count(*) FROM tasks').pluck().get()).toBe(0);
  });

  it('refuses {NoSuchVar} in the unanswered template too', () => {
    const err = refusal(() => create('Thanks {name}', 'Maaf {NoSuchVar}'));
    expect(err.code).toBe('task.templateVariablesMissing');
    expect(err.params).toMatchObject({ template: 'Maaf', missing: '{NoSuchVar}' });
  });

  it('refuses an unclosed {Nama in a template saved before templates were checked', () => {
    const err = refusal(() => create('Halo {Nama'));
    expect(err.code).toBe('task.templateSyntax');
    expect(err.params).toEqual({ template: 'Terima kasih', excerpt: '{Nama' });
  });

  it('accepts variables the roster has, in any case, and {phone}', () => {
    const task = create('Halo { NAME }, nomor {phone}', 'Maaf {name}');
    expect(task.total).toBe(3);
  });
});
