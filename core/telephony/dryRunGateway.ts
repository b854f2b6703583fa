import { appendFileSync } from 'node:fs';
import type { CallOutcome } from '../../shared/types.js';
import type { SmsSendResult } from '../../shared/types.js';
import { problem } from '../errors.js';
import type { SmsClient } from '../sms/providers/types.js';
import type { CallPlacer, CallReport, PlaceCallRequest } from '../tasks/types.js';

export type OutcomeMix = Partial<Record<CallOutcome, number>>;

export const DEFAULT_DRY_RUN_MIX: OutcomeMix = { answered: 0.55, noAnswer: 0.2, busy: 0.1, poweredOff: 0.08, invalidNumber: 0.04, failed: 0.03 };

export interface DryRunOptions {
  mix?: OutcomeMix;
  channels?: number;
  callsPerSecond?: number;
  /** Simulated call length in ms (ring + talk); 0 in tests. */
  callMs?: number;
  seed?: number;
  /**
   * A file the dry run appends "call +62..." / "sms +62..." to at the moment
   * a real gateway or provider would have been reached: the crash tests
   * count these to prove nothing happens twice.
   */
  journal?: string;
}

/** Said on every dry-run attempt, so its outcome is never taken for a real call's. */
const DRY_RUN = problem('call.dryRun', 'Dry run: no real call was placed.');

/** A small deterministic PRNG (mulberry32), so a dry run with a seed is repeatable (and a fuzz failure can be replayed). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Places no real calls: each call waits a moment and draws an outcome from
 * the configured mix. Tasks created while it is the gateway are marked dry
 * run in the store and in the UI, and their SMS never reach a provider.
 */
export class DryRunGateway implements CallPlacer {
  readonly dryRun = true;
  readonly channels: number;
  readonly callsPerSecond: number;
  private readonly random: () => number;
  private readonly mix: [CallOutcome, number][];

  constructor(private readonly options: DryRunOptions = {}) {
    this.channels = options.channels ?? 10;
    this.callsPerSecond = options.callsPerSecond ?? 5;
    this.random = prng(options.seed ?? Date.now());
    const entries = Object.entries(options.mix ?? DEFAULT_DRY_RUN_MIX).filter(([, w]) => (w ?? 0) > 0) as [CallOutcome, number][];
    const sum = entries.reduce((s, [, w]) => s + w, 0);
    this.mix = entries.map(([o, w]) => [o, w / sum]);
  }

  private draw(): CallOutcome {
    let r = this.random();
    for (const [outcome, weight] of this.mix) {
      if ((r -= weight) < 0) return outcome;
    }
    return this.mix[this.mix.length - 1]?.[0] ?? 'answered';
  }

  async call(request: PlaceCallRequest): Promise<CallReport> {
    if (this.options.journal) appendFileSync(this.options.journal, `call ${request.to}\n`);
    const outcome = this.draw();
    const ms = this.options.callMs ?? 3000;
    if (ms > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms * (0.5 + this.random()));
        request.signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const answered = outcome === 'answered';
    return {
      outcome,
      hungUpBy: answered ? (this.random() < 0.5 ? 'callee' : 'system') : null,
      finalStatus: STATUS[outcome],
      q850Cause: CAUSE[outcome],
      ringMs: Math.round(ms / 2),
      answeredMs: answered ? Math.round(ms / 2) : null,
      playedMs: answered ? Math.round(ms / 2) : null,
      playedToEnd: answered ? true : null,
      dtmf: '',
      errors: [DRY_RUN],
    };
  }
}

const STATUS: Record<CallOutcome, number | null> = {
  answered: 200,
  busy: 486,
  noAnswer: 480,
  poweredOff: 480,
  invalidNumber: 404,
  rejected: 603,
  failed: 503,
};
const CAUSE: Record<CallOutcome, number | null> = {
  answered: 16,
  busy: 17,
  noAnswer: 19,
  poweredOff: 20,
  invalidNumber: 1,
  rejected: 21,
  failed: 38,
};

/** SMS of dry-run tasks: recorded as sent, never transmitted. */
export function dryRunSmsSender(journal?: string): SmsClient {
  return {
    async send(message): Promise<SmsSendResult> {
      if (journal) appendFileSync(journal, `sms ${message.to}\n`);
      return { accepted: true, providerMessageId: null, httpStatus: null, providerAnswer: 'Dry run: not sent to any provider.', attempts: 0 };
    },
  };
}
