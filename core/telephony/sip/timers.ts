/**
 * Timers are injected so that tests of Timer A/B/D/E/F/K run in virtual time
 * (STYLE.md: inject the clock). Values from RFC 3261 §17.1.1.1 and Table 4.
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | null | undefined): void;
}

export type TimerHandle = { readonly id: number } | NodeJS.Timeout;

export interface SipTimerValues {
  /** RTT estimate, 500 ms by default. */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests, 4 s. */
  t2: number;
  /** Maximum duration a message stays in the network, 5 s. */
  t4: number;
}

export const DEFAULT_SIP_TIMERS: SipTimerValues = { t1: 500, t2: 4000, t4: 5000 };

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => {
    if (handle) clearTimeout(handle as NodeJS.Timeout);
  },
};

/** Virtual time for tests: `advance(ms)` fires due timers in order. */
export class ManualTimers implements Timers {
  private current = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { at: this.current + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle | null | undefined): void {
    if (handle && 'id' in handle && typeof handle.id === 'number') this.pending.delete(handle.id);
  }

  /** Moves time forward, firing every timer due on the way (earliest first). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, t] of this.pending) {
        if (t.at <= target && (t.at < nextAt || (t.at === nextAt && id < nextId))) {
          nextAt = t.at;
          nextId = id;
        }
      }
      if (nextId < 0) break;
      const timer = this.pending.get(nextId)!;
      this.pending.delete(nextId);
      this.current = Math.max(this.current, timer.at);
      timer.fn();
    }
    this.current = target;
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
