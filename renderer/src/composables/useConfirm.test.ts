import { describe, expect, it } from 'vitest';
import { useConfirm } from './useConfirm.js';

describe('useConfirm', () => {
  it('opens about one thing and keeps it after closing, so the dialog text does not change while it fades', () => {
    const confirm = useConfirm<{ id: number; name: string }>();
    expect(confirm.open.value).toBe(false);
    expect(confirm.subject.value).toBeNull();
    confirm.ask({ id: 7, name: 'Promo' });
    expect(confirm.open.value).toBe(true);
    expect(confirm.subject.value).toEqual({ id: 7, name: 'Promo' });
    confirm.open.value = false;
    expect(confirm.subject.value?.name).toBe('Promo');
    confirm.ask({ id: 8, name: 'Other' });
    expect(confirm.subject.value?.id).toBe(8);
  });

  it('keeps the subject as given (not a reactive copy), so an identity check against the list works', () => {
    const row = { id: 1 };
    const confirm = useConfirm<{ id: number }>();
    confirm.ask(row);
    expect(confirm.subject.value).toBe(row);
  });

  it('runs the action about the subject last asked about, with what the dialog adds', async () => {
    const calls: string[] = [];
    const rename = useConfirm(async (row: { id: number }, name: string) => {
      calls.push(`${row.id}:${name}`);
    });
    rename.ask({ id: 3 });
    rename.ask({ id: 4 });
    await rename.run('Promo');
    expect(calls).toEqual(['4:Promo']);
  });

  it('rejects as the action rejects, so the dialog can show the failure', async () => {
    const remove = useConfirm(async () => {
      throw new Error('in use');
    });
    remove.ask(undefined);
    await expect(remove.run()).rejects.toThrow('in use');
  });
});
