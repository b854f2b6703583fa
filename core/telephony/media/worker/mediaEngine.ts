/**
 * The media worker's state and command handling, kept apart from the
 * thread's entry (media.worker.ts) so it can be tested on any thread: each
 * session is a LocalRtpTransport (socket, paced sender, receiver) on this
 * thread's own RTP clocks; events go out through `post`.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { AppErrorShape } from '../../../../shared/result.js';
import { problem, problemOf } from '../../../errors.js';
import { sharedRtpClock, type RtpClock } from '../rtpClock.js';
import { LocalRtpTransport } from '../rtpTransport.js';
import type { PreparedPayloads } from '../types.js';
import type { MediaCommand, MediaEvent, ProbeFigures } from './protocol.js';

/** An AppError keeps its code; anything else is a bug, reported with its text for the core's log. */
function shapeOf(err: unknown): AppErrorShape {
  return problemOf(err, (detail) => problem('internal', { detail }));
}

const PROBE_PERIODS = [10, 20, 30, 40, 50, 60];

export class MediaEngine {
  private readonly sessions = new Map<number, LocalRtpTransport>();
  private readonly recordings = new Map<number, PreparedPayloads>();
  /** Sessions whose close came while they were still opening. */
  private readonly closedEarly = new Set<number>();
  private probe: { errors: Float64Array; n: number; max: number; loop: IntervalHistogram; startedAt: bigint } | null = null;

  constructor(
    private readonly post: (event: MediaEvent) => void,
    private readonly clockOf: (periodMs: number) => RtpClock = sharedRtpClock,
  ) {}

  get sessionCount(): number {
    return this.sessions.size;
  }

  handle(command: MediaCommand): void {
    try {
      this.dispatch(command);
    } catch (err) {
      const id = 'id' in command ? command.id : null;
      this.post({ type: 'error', id, error: shapeOf(err) });
    }
  }

  private dispatch(command: MediaCommand): void {
    switch (command.type) {
      case 'open':
        void this.open(command);
        return;
      case 'recording':
        this.recordings.set(command.key, { pcma: command.pcma, pcmu: command.pcmu });
        return;
      case 'forgetRecording':
        this.recordings.delete(command.key);
        return;
      case 'configure':
        this.sessions.get(command.id)?.configure(command.target, command.held, command.receive);
        return;
      case 'play': {
        const session = this.sessions.get(command.id);
        const payloads = this.recordings.get(command.key);
        if (!session) return;
        if (!payloads) throw new Error(`recording ${command.key} was never sent to the media worker`);
        const { id, play } = command;
        session.play(payloads, command.times, command.tailMs, () => this.post({ type: 'ended', id, play }));
        return;
      }
      case 'stop':
        this.sessions.get(command.id)?.stop();
        return;
      case 'close': {
        const session = this.sessions.get(command.id);
        if (session) {
          session.close();
          this.sessions.delete(command.id);
        } else {
          this.closedEarly.add(command.id);
        }
        return;
      }
      case 'probe':
        this.setProbe(command.on);
        return;
      case 'probeReport':
        this.post({ type: 'probeReport', request: command.request, figures: this.probeFigures() });
        return;
    }
  }

  private async open(command: Extract<MediaCommand, { type: 'open' }>): Promise<void> {
    const { id } = command;
    try {
      const session = await LocalRtpTransport.open(command.localAddress, command.portRange, this.clockOf, {
        counters: command.counters,
        events: {
          onFirstPacket: () => this.post({ type: 'firstPacket', id }),
          onDtmf: (events) => this.post({ type: 'dtmf', id, events: [...events] }),
        },
      });
      if (this.closedEarly.delete(id)) {
        session.close();
        return;
      }
      this.sessions.set(id, session);
      this.post({ type: 'opened', id, port: session.localPort });
    } catch (err) {
      this.closedEarly.delete(id);
      this.post({ type: 'openFailed', id, error: shapeOf(err) });
    }
  }

  /** Closes every session (the worker is told to stop). */
  closeAll(): void {
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    this.setProbe(false);
  }

  private setProbe(on: boolean): void {
    if (this.probe) this.probe.loop.disable();
    this.probe = null;
    for (const period of PROBE_PERIODS) this.clockOf(period).probe = null;
    if (!on) return;
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const probe = { errors: new Float64Array(1 << 20), n: 0, max: 0, loop, startedAt: process.hrtime.bigint() };
    this.probe = probe;
    const record = (errorNs: number): void => {
      const ms = Math.abs(errorNs) / 1e6;
      if (probe.n === probe.errors.length) {
        const grown = new Float64Array(probe.errors.length * 2);
        grown.set(probe.errors);
        probe.errors = grown;
      }
      probe.errors[probe.n++] = ms;
      if (ms > probe.max) probe.max = ms;
    };
    for (const period of PROBE_PERIODS) this.clockOf(period).probe = record;
  }

  private probeFigures(): ProbeFigures {
    const probe = this.probe;
    const seconds = probe ? Number(process.hrtime.bigint() - probe.startedAt) / 1e9 : 0;
    if (!probe || probe.n === 0) return { packets: 0, p50Ms: NaN, p99Ms: NaN, maxMs: NaN, over2MsShare: NaN, loopDelayP99Ms: NaN, seconds, sessions: this.sessions.size };
    const sorted = probe.errors.slice(0, probe.n).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    let over2 = 0;
    for (let i = sorted.length - 1; i >= 0 && sorted[i]! > 2; i--) over2 += 1;
    return {
      packets: probe.n,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: probe.max,
      over2MsShare: over2 / probe.n,
      loopDelayP99Ms: probe.loop.percentile(99) / 1e6,
      seconds,
      sessions: this.sessions.size,
    };
  }
}
