import { describe, expect, it } from 'vitest';
import { useLoaded } from './useLoaded.js';

describe('useLoaded', () => {
  it('holds the initial value until loaded, then what the core answered', async () => {
    let names = ['a'];
    const list = useLoaded(async () => [...names], [] as string[]);
    expect(list.value.value).toEqual([]);
    await list.load();
    expect(list.value.value).toEqual(['a']);
    names = ['a', 'b'];
    const answer = await list.after(Promise.resolve(2));
    expect(answer).toBe(2);
    expect(list.value.value).toEqual(['a', 'b']);
  });

  it('does not reload after a change the core refused, and is not left loading after a failed load', async () => {
    let loads = 0;
    const list = useLoaded(async () => {
      loads++;
      if (loads > 1) throw new Error('gone');
      return 1;
    }, 0);
    await expect(list.after(Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(loads).toBe(0);
    await list.load();
    await expect(list.load()).rejects.toThrow('gone');
    expect(list.loading.value).toBe(false);
    expect(list.value.value).toBe(1);
  });
});
