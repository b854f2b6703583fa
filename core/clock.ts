/** Injected so that schedules, retries and timestamps are testable without sleeping. */
export interface Clock {
  now(): number; // epoch milliseconds
}

export const systemClock: Clock = { now: () => Date.now() };
