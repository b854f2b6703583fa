import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { SmsTemplateService } from './templateService.js';

function refusal(work: () => unknown): AppError {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('SmsTemplateService', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let inUse: Set<number>;
  let service: SmsTemplateService;
  let time: number;

  beforeEach(() => {
    tmp = makeTempDir('autocall-templates-');
    time = 1_767_200_000_000;
    const clock: Clock = { now: () => time };
    t = makeTestContext(tmp.dir, { clock });
    inUse = new Set();
    service = new SmsTemplateService(t.ctx, { isInUse: (id) => inUse.has(id) });
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  it('creates a pending template with trimmed name and body', () => {
    const created = service.create({ name: '  Promo Januari ', body: ' Halo {name}, promo 50% hari ini!\n' });
    expect(created).toEqual({
      id: created.id,
      name: 'Promo Januari',
      body: 'Halo {name}, promo 50% hari ini!',
      status: 'pending',
      rejectionReason: null,
      createdAt: time,
      updatedAt: time,
    });
    expect(service.get(created.id)).toEqual(created);
    expect(service.list()).toEqual([created]);
    expect(service.approved()).toEqual([]);
  });

  it('checks the name and body lengths in characters, Chinese included', () => {
    expect(refusal(() => service.create({ name: '   ', body: 'x' })).code).toBe('template.nameEmpty');
    expect(refusal(() => service.create({ name: 'a'.repeat(101), body: 'x' })).params).toEqual({ length: 101, max: 100 });
    expect(service.create({ name: '促'.repeat(100), body: 'x' }).name).toHaveLength(100);
    expect(refusal(() => service.create({ name: 'n', body: ' \n ' })).code).toBe('template.bodyEmpty');
    expect(refusal(() => service.create({ name: 'n', body: 'a'.repeat(1001) })).code).toBe('template.bodyTooLong');
    // 1000 emoji are 2000 UTF-16 units but 1000 characters.
    expect(service.create({ name: 'emoji', body: '😀'.repeat(1000) }).body).toHaveLength(2000);
    expect(service.list()).toHaveLength(2);
  });

  it('refuses a name already taken, ignoring case, also on rename', () => {
    const a = service.create({ name: 'Promo', body: 'a' });
    const b = service.create({ name: 'Reminder', body: 'b' });
    const err = refusal(() => service.create({ name: ' promo ', body: 'c' }));
    expect(err.code).toBe('template.nameTaken');
    expect(err.message).toContain('promo');
    expect(refusal(() => service.update({ id: b.id, name: 'PROMO', body: 'b' })).code).toBe('template.nameTaken');
    // Its own name (in another case) is not "taken".
    expect(service.update({ id: a.id, name: 'PROMO', body: 'a' }).name).toBe('PROMO');
    expect(service.list().map((x) => x.name)).toEqual(['PROMO', 'Reminder']);
  });

  it('approves and rejects with a reason; approved() lists only approved ones', () => {
    const a = service.create({ name: 'A', body: 'a' });
    const b = service.create({ name: 'B', body: 'b' });
    time += 1000;
    expect(service.approve(a.id)).toMatchObject({ status: 'approved', rejectionReason: null, updatedAt: time });
    expect(service.reject(b.id, '  Mentions a price without terms. ')).toMatchObject({ status: 'rejected', rejectionReason: 'Mentions a price without terms.' });
    expect(service.approved().map((x) => x.name)).toEqual(['A']);
    expect(refusal(() => service.reject(a.id, '  ')).code).toBe('template.reasonEmpty');
    // A rejected template may be approved after all; the reason goes.
    expect(service.approve(b.id)).toMatchObject({ status: 'approved', rejectionReason: null });
  });

  it('sends an approved template back to pending when its text changes, not when only its name does', () => {
    const a = service.approve(service.create({ name: 'A', body: 'Halo {name}' }).id);
    expect(service.update({ id: a.id, name: 'A renamed', body: 'Halo {name}' })).toMatchObject({ name: 'A renamed', status: 'approved' });
    expect(service.update({ id: a.id, name: 'A renamed', body: 'Halo {name}!' })).toMatchObject({ status: 'pending' });
    // Same text after trimming is not a change.
    service.approve(a.id);
    expect(service.update({ id: a.id, name: 'A renamed', body: ' Halo {name}! ' }).status).toBe('approved');
  });

  it('sends a rejected template back to pending when edited, keeping the rejection on a rename', () => {
    const r = service.reject(service.create({ name: 'R', body: 'x' }).id, 'Too short');
    expect(service.update({ id: r.id, name: 'R2', body: 'x' })).toMatchObject({ status: 'rejected', rejectionReason: 'Too short' });
    expect(service.update({ id: r.id, name: 'R2', body: 'Longer text' })).toMatchObject({ status: 'pending', rejectionReason: null });
  });

  it('keeps a template used by an unfinished task: no delete, no text change, no rejection; rename allowed', () => {
    const a = service.approve(service.create({ name: 'Used', body: 'Halo' }).id);
    inUse.add(a.id);
    const del = refusal(() => service.remove(a.id));
    expect(del.code).toBe('template.inUse');
    expect(del.message).toContain('"Used"');
    expect(refusal(() => service.update({ id: a.id, name: 'Used', body: 'Changed' })).code).toBe('template.inUse');
    expect(refusal(() => service.reject(a.id, 'no')).code).toBe('template.inUse');
    expect(service.update({ id: a.id, name: 'Used (Jan)', body: 'Halo' })).toMatchObject({ name: 'Used (Jan)', body: 'Halo', status: 'approved' });
    inUse.clear();
    service.remove(a.id);
    expect(service.list()).toEqual([]);
  });

  it('refuses a text with a brace that is not a {variable}, on create and on edit, naming where', () => {
    const unclosed = refusal(() => service.create({ name: 'Unclosed', body: 'Halo {Nama, promo hari ini' }));
    expect(unclosed.code).toBe('template.unclosedBrace');
    expect(unclosed.params).toMatchObject({ excerpt: '{Nama, promo hari in…' });
    expect(unclosed.message).toContain('{Nama, promo hari in…');
    expect(refusal(() => service.create({ name: 'Empty', body: 'Halo {}!' })).code).toBe('template.emptyVariable');
    expect(refusal(() => service.create({ name: 'Stray', body: 'Halo Nama}!' })).code).toBe('template.strayBrace');
    expect(refusal(() => service.create({ name: 'Long', body: `{${'n'.repeat(101)}}` })).code).toBe('template.variableTooLong');
    expect(service.list()).toEqual([]);

    const ok = service.create({ name: 'Good', body: 'Halo {Nama}' });
    expect(refusal(() => service.update({ id: ok.id, name: 'Good', body: 'Halo {Nama' })).code).toBe('template.unclosedBrace');
    expect(service.get(ok.id).body).toBe('Halo {Nama}');
  });

  it('answers template.notFound for an unknown ID', () => {
    for (const work of [() => service.get(99), () => service.approve(99), () => service.reject(99, 'x'), () => service.remove(99), () => service.update({ id: 99, name: 'n', body: 'b' })]) {
      expect(refusal(work).code).toBe('template.notFound');
    }
  });
});
