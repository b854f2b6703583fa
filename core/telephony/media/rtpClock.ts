/**
 * The one pacing clock for every RTP stream in the process.
 *
 * Frames are due on a fixed grid of the packet period P (20 ms unless the
 * answer's a=ptime says otherwise; one clock per period) computed from a
 * single origin taken with process.hrtime.bigint(): tick t of slot s is due
 * at origin + s * (P / slots) + t * P. Because due times are computed,
 * never accumulated from timer delays, no stream drifts however late a timer
 * fires (RFC 3550 §5.1: the RTP timestamp follows the sampling clock).
 *
 * The period is split into `slots` phases and each stream is put in
 * the least loaded one: sending one datagram from Node costs a few
 * microseconds, so 1,000 streams sent in one burst would leave the last
 * packet several milliseconds behind the grid; spread over the phases each
 * burst is a tenth as long. A stream keeps its phase for its lifetime, so its
 * own packets stay exactly one period apart.
 *
 * Waking: a timer armed for the earliest due slot (Node timers have 1 ms
 * resolution and fire up to ~1 ms either side); when it fires early, the
 * thread sleeps the remainder with Atomics.wait (sub-millisecond, no CPU)
 * and busy-waits only the last ~0.1 ms. The event loop is blocked during
 * that wait, at most `spinMicros`: in the app that loop is the media
 * thread's (media.worker.ts, worker/mediaEngine.ts), whose only other work
 * is RTP input and the core's commands; in-thread sessions (tests,
 * RtpMediaFactory) block their own thread's loop as much. A late wake-up
 * sends what is due at once; each stream catches up at most
 * MAX_CATCH_UP_FRAMES frames and skips the rest (rtpSender.ts).
 */

export interface ClockedStream {
  /**
   * Frames of this stream's slot are due up to and including `tick`.
   * Called in due-time order, several streams per wake-up.
   */
  onDue(tick: number): void;
}

export interface RtpClockOptions {
  /** Phases per period (1 = every stream sends in the same burst). */
  slots?: number;
  /** A wake-up at most this early waits (blocking) for the due time; earlier ones sleep on a timer again. */
  spinMicros?: number;
  /**
   * The last part of that wait is a busy-wait, this long: a futex sleep can
   * wake this late (Linux's default timer slack is 50 µs). 0 sleeps all the
   * way and accepts that lateness, for less CPU.
   */
  sleepSlackMicros?: number;
  /** Arm the timer this many milliseconds before the due time (negative: after). */
  leadMillis?: number;
  /**
   * The packet period: the answer's a=ptime (RFC 4566 §6; 10-60 ms). One
   * clock per period: a stream's timestamp steps by the period's samples.
   */
  periodMs?: number;
}

/** The default packet period, ptime 20 (RFC 3551 §4.5.14 G.711 default). */
export const FRAME_PERIOD_NS = 20_000_000;
/** A futex wake-up can be this late; the rest of the wait is a busy-wait. */
const SLEEP_SLACK_MICROS = 120;

export class RtpClock {
  readonly slotCount: number;
  readonly periodMs: number;
  private readonly periodNs: number;
  private readonly slotNs: number;
  private readonly spinNs: number;
  private readonly sleepSlackNs: number;
  private readonly leadMs: number;
  private readonly origin = process.hrtime.bigint();
  private readonly slots: Set<ClockedStream>[];
  /** The last tick handed to each slot's streams. */
  private readonly lastTick: number[];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private running = false;
  /** Atomics.wait on this gives a sub-millisecond sleep that setTimeout cannot. */
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  private canSleep = true;
  /** Benchmarks set this to see every packet's send-time error against the grid (ns, late > 0). */
  probe: ((errorNs: number) => void) | null = null;

  constructor(options: RtpClockOptions = {}) {
    this.slotCount = Math.max(1, Math.floor(options.slots ?? 10));
    this.periodMs = options.periodMs ?? 20;
    this.periodNs = this.periodMs * 1_000_000;
    this.slotNs = this.periodNs / this.slotCount;
    // Waiting longer than most of a phase would leave no time for I/O between bursts.
    this.spinNs = Math.min((options.spinMicros ?? 1500) * 1000, 0.75 * this.slotNs);
    this.sleepSlackNs = (options.sleepSlackMicros ?? SLEEP_SLACK_MICROS) * 1000;
    this.leadMs = options.leadMillis ?? 0;
    this.slots = Array.from({ length: this.slotCount }, () => new Set<ClockedStream>());
    const now = this.now();
    this.lastTick = this.slots.map((_, s) => this.latestTick(s, now));
  }

  /** Nanoseconds since the clock's origin. */
  now(): number {
    return Number(process.hrtime.bigint() - this.origin);
  }

  /** The ideal send time of `tick` in `slot`, in ns since the origin. */
  dueAt(slot: number, tick: number): number {
    return slot * this.slotNs + tick * this.periodNs;
  }

  get streamCount(): number {
    let n = 0;
    for (const s of this.slots) n += s.size;
    return n;
  }

  /** Picks the least loaded slot (the soonest among equals) and its first future tick. */
  reserve(): { slot: number; firstTick: number } {
    const now = this.now();
    let best = 0;
    let bestDue = Infinity;
    for (let s = 0; s < this.slotCount; s++) {
      const size = this.slots[s]!.size;
      const bestSize = this.slots[best]!.size;
      const due = this.dueAt(s, this.latestTick(s, now) + 1);
      if (size < bestSize || (size === bestSize && due < bestDue)) {
        best = s;
        bestDue = due;
      }
    }
    return { slot: best, firstTick: this.latestTick(best, now) + 1 };
  }

  /** The first tick of `slot` that is still in the future. */
  nextTickOf(slot: number): number {
    return this.latestTick(slot, this.now()) + 1;
  }

  /** Starts calling `stream.onDue` for its slot; it ignores ticks before its own first tick. */
  add(stream: ClockedStream, slot: number, firstTick: number): void {
    const set = this.slots[slot];
    if (!set) throw new RangeError(`no clock slot ${slot}`);
    // An empty slot has nobody waiting: start its tick count just before the newcomer.
    // A busy slot keeps its count, so a lagging slot still serves its other streams.
    if (set.size === 0) this.lastTick[slot] = Math.max(this.lastTick[slot]!, firstTick - 1);
    set.add(stream);
    if (!this.running) this.arm(this.now());
  }

  remove(stream: ClockedStream, slot: number): void {
    this.slots[slot]?.delete(stream);
    if (this.streamCount === 0) this.disarm();
  }

  private latestTick(slot: number, now: number): number {
    return Math.floor((now - slot * this.slotNs) / this.periodNs);
  }

  /** The earliest due time among slots that have streams, or null when idle. */
  private nextDue(): { slot: number; at: number } | null {
    let slot = -1;
    let at = Infinity;
    for (let s = 0; s < this.slotCount; s++) {
      if (this.slots[s]!.size === 0) continue;
      const due = this.dueAt(s, this.lastTick[s]! + 1);
      if (due < at) {
        at = due;
        slot = s;
      }
    }
    return slot < 0 ? null : { slot, at };
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private arm(now: number): void {
    this.disarm();
    const next = this.nextDue();
    if (!next) return;
    const early = next.at - now;
    if (early <= this.spinNs) {
      // Close enough to wait: yield to I/O once, then run() waits the rest.
      this.immediate = setImmediate(this.run);
    } else {
      // Node timers count whole milliseconds from a cached loop time, so they
      // fire up to ~1 ms either side of the wanted instant; rounding puts the
      // wake-up around the due time, and run() waits when it is early.
      this.timer = setTimeout(this.run, Math.max(1, Math.round(early / 1e6 - this.leadMs)));
    }
  }

  private readonly run = (): void => {
    this.timer = null;
    this.immediate = null;
    this.running = true;
    try {
      let now = this.now();
      const first = this.nextDue();
      if (!first) return;
      if (first.at - now > this.spinNs) return; // too early: arm() below sleeps again
      // Sleep the thread (no CPU) to just before the due time, then busy-wait the last few microseconds.
      if (this.canSleep && first.at - now > this.sleepSlackNs) {
        try {
          Atomics.wait(this.sleeper, 0, 0, (first.at - now - this.sleepSlackNs) / 1e6);
        } catch {
          this.canSleep = false; // a thread that may not block (a browser main thread): busy-wait instead
        }
      }
      now = this.now();
      while (now < first.at) now = this.now();
      // Serve every slot that is due, in due-time order; bounded in case sending takes longer than a period.
      for (let guard = 0; guard < this.slotCount * 2; guard++) {
        const next = this.nextDue();
        if (!next || next.at > now) break;
        const tick = this.latestTick(next.slot, now);
        this.lastTick[next.slot] = tick;
        const set = this.slots[next.slot]!;
        for (const stream of set) {
          try {
            stream.onDue(tick);
          } catch {
            set.delete(stream); // a broken stream must not silence every other call
          }
        }
        now = this.now();
      }
    } finally {
      this.running = false;
      this.arm(this.now());
    }
  };
}

/** The process's (or the media worker's) clocks, one per packet period. */
const shared = new Map<number, RtpClock>();
let sharedOptions: RtpClockOptions = {};

/** The clock every media session with this packet period uses. */
export function sharedRtpClock(periodMs = 20): RtpClock {
  let clock = shared.get(periodMs);
  if (!clock) {
    clock = new RtpClock({ ...sharedOptions, periodMs });
    shared.set(periodMs, clock);
  }
  return clock;
}

/** For benchmarks comparing settings: replaces the shared clocks (only while no stream is playing). */
export function configureSharedRtpClock(options: RtpClockOptions): RtpClock {
  for (const clock of shared.values()) if (clock.streamCount > 0) throw new Error('the RTP clock is in use');
  shared.clear();
  sharedOptions = { ...options };
  delete sharedOptions.periodMs;
  return sharedRtpClock(options.periodMs ?? 20);
}

/** Where a stream gets the clock of a packet period. */
export type RtpClockSource = (periodMs: number) => RtpClock;
