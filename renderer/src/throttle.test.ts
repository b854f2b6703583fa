import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce } from './throttle.js';

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once, the given time after the last call (a search after the user stops typing)', () => {
    let runs = 0;
    const typed = debounce(() => runs++, 300);
    typed.call();
    vi.advanceTimersByTime(200);
    typed.call();
    vi.advanceTimersByTime(299);
    expect(runs).toBe(0);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(1);
  });

  it('does not run after cancel (the page was left)', () => {
    let runs = 0;
    const typed = debounce(() => runs++, 300);
    typed.call();
    typed.cancel();
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(0);
  });
});
