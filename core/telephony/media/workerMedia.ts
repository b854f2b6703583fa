/**
 * Call media on the media worker thread (issue 8), behind the same
 * MediaFactory seam as the in-thread RtpMediaFactory: the gateway code does
 * not know which it has. SDP offer/answer stays here (the call flow needs
 * its answers synchronously); the socket, the paced sender and the receiver
 * of each session run on the worker (media.worker.ts).
 *
 * One worker per process, started with the first session and not keeping
 * the process alive. If it dies, the sessions it carried end (their calls
 * hang up, with the problem `media.workerFailed`) and the next session
 * starts a new one.
 */
import type { Worker } from 'node:worker_threads';
import type { ThreadScheduling } from '../../../shared/host/protocol.js';
import type { AppErrorShape } from '../../../shared/result.js';
import { AppError, problem } from '../../errors.js';
import type { DtmfEvent } from './dtmfReceiver.js';
import startMediaWorker from './media.worker?nodeWorker';
import { RtpMediaSession } from './rtpMediaSession.js';
import type { RtpTarget } from './rtpSender.js';
import { COUNTER_SLOTS, type ReceiveConfig, type RtpTransport } from './rtpTransport.js';
import type { MediaFactory, MediaOpenOptions, MediaSession, MediaStats, PreparedPayloads } from './types.js';
import type { MediaCommand, MediaEvent, MediaWorkerData, ProbeFigures } from './worker/protocol.js';

type Opening = { resolve: (port: number) => void; reject: (err: Error) => void };

/** One media worker and the sessions it carries. */
export class MediaThread {
  private readonly worker: Worker;
  private nextId = 1;
  private nextKey = 1;
  private nextRequest = 1;
  private readonly opening = new Map<number, Opening>();
  private readonly transports = new Map<number, WorkerRtpTransport>();
  /** Recordings this worker has, by the core's pcma array (one copy into shared memory per recording, not per call). */
  private readonly recordingKeys = new WeakMap<Uint8Array, number>();
  private readonly forget = new FinalizationRegistry<number>((key) => this.post({ type: 'forgetRecording', key }));
  private readonly reports = new Map<number, { resolve: (figures: ProbeFigures) => void; reject: (err: Error) => void }>();
  private failure: AppErrorShape | null = null;
  /** How the OS schedules the media thread once it runs (media.worker.ts); null before. */
  scheduling: ThreadScheduling | null = null;
  /** Resolves once the thread runs. */
  readonly ready: Promise<void>;
  private readonly raisedPriority: boolean;
  private markReady!: () => void;

  constructor(
    private readonly log: (line: string) => void = () => {},
    options: Partial<MediaWorkerData> = {},
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.raisedPriority = options.raisePriority ?? true;
    this.worker = startMediaWorker({ name: 'autocall-media', workerData: { raisePriority: this.raisedPriority, clock: options.clock } satisfies MediaWorkerData });
    // Calls in progress keep the process alive through their SIP sockets and timers; the worker alone must not.
    this.worker.unref();
    this.worker.on('message', (event: MediaEvent) => this.onEvent(event));
    this.worker.on('error', (err) => this.fail(err.message));
    this.worker.on('exit', (code) => this.fail(`it exited with code ${code}`));
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  async open(options: MediaOpenOptions): Promise<WorkerRtpTransport> {
    if (this.failure) throw AppError.of(this.failure);
    const id = this.nextId++;
    const counters = new Int32Array(new SharedArrayBuffer(COUNTER_SLOTS * 4));
    const port = await new Promise<number>((resolve, reject) => {
      this.opening.set(id, { resolve, reject });
      this.post({ type: 'open', id, localAddress: options.localAddress, portRange: [options.portRange[0], options.portRange[1]], counters });
    });
    const transport = new WorkerRtpTransport(this, id, port, counters);
    this.transports.set(id, transport);
    return transport;
  }

  /** The key of a recording on the worker, sending its audio the first time it is played. */
  recordingKey(payloads: PreparedPayloads): number {
    const known = this.recordingKeys.get(payloads.pcma);
    if (known !== undefined) return known;
    const key = this.nextKey++;
    const pcma = shared(payloads.pcma);
    const pcmu = payloads.pcmu === payloads.pcma ? pcma : shared(payloads.pcmu);
    this.post({ type: 'recording', key, pcma, pcmu });
    this.recordingKeys.set(payloads.pcma, key);
    this.forget.register(payloads.pcma, key);
    return key;
  }

  post(command: MediaCommand): void {
    if (this.failure) return;
    this.worker.postMessage(command);
  }

  /** Benchmarks: start or stop recording send-time errors on the worker's clocks. */
  setProbe(on: boolean): void {
    this.post({ type: 'probe', on });
  }

  /** The probe's figures so far (it goes on); rejects when the thread has died (no answer would come). */
  probeReport(): Promise<ProbeFigures> {
    if (this.failure) return Promise.reject(AppError.of(this.failure));
    const request = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.reports.set(request, { resolve, reject });
      this.post({ type: 'probeReport', request });
    });
  }

  released(id: number): void {
    this.transports.delete(id);
  }

  async terminate(): Promise<void> {
    this.fail('it was stopped');
    await this.worker.terminate();
  }

  private onEvent(event: MediaEvent): void {
    switch (event.type) {
      case 'ready':
        this.scheduling = event.scheduling;
        // Once per thread: whether its audio can stay on time on a busy machine (README "Call audio on a busy Linux computer").
        if (this.raisedPriority) this.log(`media thread ready: ${schedulingText(event.scheduling)}`);
        this.markReady();
        return;
      case 'opened': {
        const waiting = this.opening.get(event.id);
        this.opening.delete(event.id);
        if (waiting) waiting.resolve(event.port);
        else this.post({ type: 'close', id: event.id });
        return;
      }
      case 'openFailed': {
        const waiting = this.opening.get(event.id);
        this.opening.delete(event.id);
        waiting?.reject(AppError.of(event.error));
        return;
      }
      case 'ended':
        this.transports.get(event.id)?.ended(event.play);
        return;
      case 'firstPacket':
        this.transports.get(event.id)?.firstPacket();
        return;
      case 'dtmf':
        this.transports.get(event.id)?.dtmf(event.events);
        return;
      case 'error':
        this.log(`media worker${event.id === null ? '' : `, session ${event.id}`}: ${event.error.message}`);
        return;
      case 'probeReport':
        this.reports.get(event.request)?.resolve(event.figures);
        this.reports.delete(event.request);
        return;
    }
  }

  private fail(detail: string): void {
    if (this.failure) return;
    this.failure = problem('media.workerFailed', { detail });
    this.log(`media worker stopped: ${detail}`);
    this.markReady();
    const error = AppError.of(this.failure);
    for (const waiting of this.opening.values()) waiting.reject(error);
    this.opening.clear();
    for (const report of this.reports.values()) report.reject(error);
    this.reports.clear();
    for (const transport of this.transports.values()) transport.lost(this.failure);
    this.transports.clear();
  }
}

/** The same bytes in shared memory: the worker reads them in place (one copy per recording). */
function shared(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  copy.set(bytes);
  return copy;
}

/** A session's RTP on the worker, as RtpMediaSession drives it. */
export class WorkerRtpTransport implements RtpTransport {
  private plays = 0;
  private onEnd: (() => void) | null = null;
  private events: readonly DtmfEvent[] = [];
  private closed = false;
  /** When the far end's first RTP packet was reported (Date.now()), null before. */
  firstPacketAt: number | null = null;
  failure: AppErrorShape | null = null;

  constructor(
    private readonly thread: MediaThread,
    private readonly id: number,
    readonly localPort: number,
    readonly counters: Int32Array,
  ) {}

  configure(target: RtpTarget, held: boolean, receive: ReceiveConfig): void {
    this.thread.post({ type: 'configure', id: this.id, target, held, receive });
  }

  play(payloads: PreparedPayloads, times: number, tailMs: number, onEnd: () => void): void {
    const key = this.thread.recordingKey(payloads);
    this.plays += 1;
    this.onEnd = onEnd;
    this.thread.post({ type: 'play', id: this.id, play: this.plays, key, times, tailMs });
  }

  stop(): void {
    this.onEnd = null;
    this.thread.post({ type: 'stop', id: this.id });
  }

  dtmfEvents(): readonly DtmfEvent[] {
    return this.events;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onEnd = null;
    this.thread.post({ type: 'close', id: this.id });
    this.thread.released(this.id);
  }

  ended(play: number): void {
    if (play !== this.plays) return; // the end of a play that was replaced
    const onEnd = this.onEnd;
    this.onEnd = null;
    onEnd?.();
  }

  firstPacket(): void {
    this.firstPacketAt ??= Date.now();
  }

  dtmf(events: DtmfEvent[]): void {
    this.events = events;
  }

  /** The worker died: the recording will not go on, so the call is ended now rather than at its length limit. */
  lost(failure: AppErrorShape): void {
    this.failure = failure;
    const onEnd = this.onEnd;
    this.onEnd = null;
    onEnd?.();
  }
}

/** A session on the worker whose stats also carry the worker's failure, if it died under the call. */
class WorkerMediaSession extends RtpMediaSession {
  constructor(
    private readonly rtp: WorkerRtpTransport,
    options: MediaOpenOptions,
  ) {
    super(rtp, options);
  }

  override stats(): MediaStats {
    const stats = super.stats();
    return this.rtp.failure ? { ...stats, problems: [this.rtp.failure] } : stats;
  }
}

/** How a thread is scheduled, in words, for the log and the benches: "real time (SCHED_RR 10)", "niceness -11 (not real time)". */
export function schedulingText(scheduling: ThreadScheduling | null): string {
  if (scheduling?.realtimePriority != null) return `real time (SCHED_RR ${scheduling.realtimePriority})`;
  if (scheduling?.niceness != null) return `niceness ${scheduling.niceness} (not real time)`;
  return 'the system\'s default scheduling';
}

let sharedThread: MediaThread | null = null;

/**
 * The process's media worker, the one every WorkerMediaFactory without a
 * thread of its own uses: started on first use, a new one after a failure.
 * The core host's media probe (HostControls `test.mediaProbe*`) reads the
 * same thread the calls stream on.
 */
export function processMediaThread(log?: (line: string) => void): MediaThread {
  if (!sharedThread || sharedThread.failed) sharedThread = new MediaThread(log);
  return sharedThread;
}

/** Sessions whose RTP runs on the process's media worker. */
export class WorkerMediaFactory implements MediaFactory {
  constructor(private readonly options: { log?: (line: string) => void; thread?: MediaThread } = {}) {}

  /** The worker this factory uses (started on first use; a new one after a failure). */
  get thread(): MediaThread {
    return this.options.thread ?? processMediaThread(this.options.log);
  }

  async open(options: MediaOpenOptions): Promise<MediaSession> {
    const transport = await this.thread.open(options);
    return new WorkerMediaSession(transport, options);
  }
}
