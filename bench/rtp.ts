/**
 * 1,000 answered calls streaming a recording at once to a local RTP sink
 * that runs in a child process (so it does not share the sender's event loop
 * or CPU figures), with the core's event loop idle and then loaded
 * (bench/load.ts), for each place the RTP can run (issue 8):
 *
 *   worker         - the media worker thread (workerMedia.ts), as the app runs it
 *                    (on Linux it raises its priority when allowed: here, as root);
 *   worker-default - the same at the default priority (an ordinary Linux user, Windows, macOS);
 *   inline         - the same sessions on the core's own thread (RtpMediaFactory), as before.
 *
 * Loads: alone (nothing else), bursts (the core's thread blocked 50 ms
 * every 200 ms), import (a 1,000,000-row csv imported with RosterService in
 * this process). Prints, per run: the error of every packet's SEND time
 * against its ideal grid time (p50/p99/max, taken just before the datagram
 * is handed to the kernel); beside it the anchor, a bare Atomics.wait pacing
 * loop on its own thread under the same load (bench/pacingAnchor.worker.ts),
 * and ours/anchor; the core thread's event-loop delay; the import's rows/s
 * against the same import with no calls. Target: worker p99 < 2 ms during
 * the import.
 *
 *   npm run bench -- rtp
 *   node bin/run-ts.mjs bench/rtp.ts [--streams 1000] [--seconds 10] [--media worker,worker-default,inline]
 *        [--loads alone,bursts,import] [--rows 1000000] [--slots 10] [--spin-us 1500] [--slack-us 120]
 *        (the clock settings apply to the media thread too)
 */
import { createSocket } from 'node:dgram';
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { configureSharedRtpClock, RtpMediaFactory, type RtpClock } from '../core/telephony/media/index.js';
import type { RtpClockOptions } from '../core/telephony/media/rtpClock.js';
import type { MediaFactory, MediaSession } from '../core/telephony/media/types.js';
import { MediaThread, schedulingText, WorkerMediaFactory } from '../core/telephony/media/workerMedia.js';
import type { ProbeFigures } from '../core/telephony/media/worker/protocol.js';
import type { ThreadScheduling } from '../shared/host/protocol.js';
import { makeImportFile, runRosterImport, startBlockingBursts, type ImportFigures } from './load.js';
import type { AnchorData, AnchorReport } from './pacingAnchor.worker.js';
import startAnchor from './pacingAnchor.worker?nodeWorker';

const HERE = fileURLToPath(import.meta.url);
const RUN_TS = resolve(HERE, '../../bin/run-ts.mjs');
const WARM_UP_MS = 1000;

type SinkRequest = { type: 'reset' } | { type: 'report' } | { type: 'exit' };
type SinkReply = { type: 'ready'; port: number } | { type: 'report'; counts: [number, number][]; total: number; bytes: number; cpuMicros: number };

/** The child: counts RTP packets per SSRC, nothing else, to keep up with 50,000 packets a second. */
async function runSink(): Promise<void> {
  const socket = createSocket('udp4');
  let counts = new Map<number, number>();
  let total = 0;
  let bytes = 0;
  let cpu0 = process.cpuUsage();
  socket.on('message', (msg) => {
    total += 1;
    bytes += msg.length;
    if (msg.length < 12) return;
    const ssrc = msg.readUInt32BE(8);
    counts.set(ssrc, (counts.get(ssrc) ?? 0) + 1);
  });
  await new Promise<void>((res) => socket.bind(0, '127.0.0.1', res));
  try {
    socket.setRecvBufferSize(16 * 1024 * 1024);
  } catch {
    // capped by net.core.rmem_max
  }
  const send = (m: SinkReply) => process.send!(m);
  process.on('message', (m: SinkRequest) => {
    if (m.type === 'reset') {
      counts = new Map();
      total = 0;
      bytes = 0;
      cpu0 = process.cpuUsage();
    } else if (m.type === 'report') {
      const cpu = process.cpuUsage(cpu0);
      send({ type: 'report', counts: [...counts], total, bytes, cpuMicros: cpu.user + cpu.system });
    } else {
      socket.close();
      process.exit(0);
    }
  });
  send({ type: 'ready', port: socket.address().port });
}

class SinkProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(): Promise<SinkProcess> {
    const child = fork(RUN_TS, [HERE, '--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (code) => rej(new Error(`the RTP sink exited with ${code}`)));
      child.once('message', (m: SinkReply) => (m.type === 'ready' ? res(m.port) : rej(new Error('unexpected sink message'))));
    });
    return new SinkProcess(child, port);
  }

  reset(): void {
    this.child.send({ type: 'reset' } satisfies SinkRequest);
  }

  report(): Promise<Extract<SinkReply, { type: 'report' }>> {
    return new Promise((res) => {
      this.child.once('message', (m: SinkReply) => {
        if (m.type === 'report') res(m);
      });
      this.child.send({ type: 'report' } satisfies SinkRequest);
    });
  }

  stop(): void {
    this.child.removeAllListeners('exit');
    this.child.send({ type: 'exit' } satisfies SinkRequest);
  }
}

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}


/** A 1 kHz tone in A-law, long enough for the whole run (the content does not matter for timing). */
function toneAlaw(seconds: number): Uint8Array {
  const pattern = [0x34, 0x21, 0x21, 0x34, 0xb4, 0xa1, 0xa1, 0xb4];
  const out = new Uint8Array(8000 * seconds);
  for (let i = 0; i < out.length; i++) out[i] = pattern[i % 8]!;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The anchor loop on its own thread for the length of one load (bench/combined.ts runs it beside the core host). */
export async function startAnchorLoop(scheduling: ThreadScheduling | null): Promise<{ stop: () => Promise<AnchorReport> }> {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const worker = startAnchor({ workerData: { periodMs: 20, control, scheduling } satisfies AnchorData });
  let started!: () => void;
  const running = new Promise<void>((res) => (started = res));
  const report = new Promise<AnchorReport>((res, rej) => {
    worker.on('message', (m: 'started' | AnchorReport) => (m === 'started' ? started() : res(m)));
    worker.once('error', rej);
  });
  await running; // under load a thread takes a while to start: measure only once it runs
  return {
    stop: async () => {
      Atomics.store(control, 0, 1);
      const r = await report;
      await worker.terminate();
      return r;
    },
  };
}

type Load = 'alone' | 'bursts' | 'import';
type Media = 'worker' | 'worker-default' | 'inline';

interface Probe {
  start(): void;
  /** The figures since start(); stops probing. */
  stop(): Promise<ProbeFigures>;
}

/** Send-time errors of the inline clock, collected on this thread. */
function inlineProbe(clock: RtpClock, capacity: number, sessions: () => number): Probe {
  let errors = new Float64Array(capacity);
  let n = 0;
  let max = 0;
  let startedAt = 0;
  return {
    start() {
      n = 0;
      max = 0;
      startedAt = performance.now();
      clock.probe = (errorNs) => {
        const ms = Math.abs(errorNs) / 1e6;
        if (n === errors.length) {
          const grown = new Float64Array(errors.length * 2);
          grown.set(errors);
          errors = grown;
        }
        errors[n++] = ms;
        if (ms > max) max = ms;
      };
    },
    async stop() {
      clock.probe = null;
      const sorted = errors.slice(0, n).sort();
      let over2 = 0;
      for (let i = n - 1; i >= 0 && sorted[i]! > 2; i--) over2 += 1;
      const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))] ?? NaN;
      return { packets: n, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: max, over2MsShare: over2 / Math.max(1, n), loopDelayP99Ms: NaN, seconds: (performance.now() - startedAt) / 1000, sessions: sessions() };
    },
  };
}

function workerProbe(thread: MediaThread): Probe {
  return {
    start: () => thread.setProbe(true),
    async stop() {
      const figures = await thread.probeReport();
      thread.setProbe(false);
      return figures;
    },
  };
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '-');

interface RunContext {
  streams: number;
  seconds: number;
  loads: Load[];
  sink: SinkProcess;
  importFile: { path: string; dir: string } | null;
  importAlone: ImportFigures | null;
  clock: RtpClock;
  /** The same settings for the media thread's clocks. */
  clockOptions: RtpClockOptions;
}

async function runMedia(media: Media, run: RunContext): Promise<void> {
  const thread = media === 'inline' ? null : new MediaThread(undefined, { raisePriority: media === 'worker', clock: run.clockOptions });
  if (thread) {
    await thread.ready;
    console.log(`  ${media}: media thread ${schedulingText(thread.scheduling)}${media === 'worker' ? ' (asked for real time, else niceness -11; an ordinary Linux user outside the audio group keeps niceness 0)' : ' (not raised)'}`);
  }
  const factory: MediaFactory = thread ? new WorkerMediaFactory({ thread }) : new RtpMediaFactory(run.clock);
  const sessions: MediaSession[] = [];
  const probe = thread ? workerProbe(thread) : inlineProbe(run.clock, run.streams * 50 * (run.seconds + 2), () => sessions.length);
  run.sink.reset();
  try {
    for (let i = 0; i < run.streams; i++) {
      const session = await factory.open({ localAddress: '127.0.0.1', portRange: [20000, 59998], codecs: ['PCMA'] });
      session.applyAnswer(['v=0', 'o=sink 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${run.sink.port} RTP/AVP 8`, ''].join('\r\n'));
      sessions.push(session);
    }
    // Long enough for every load (an import under load can take a minute); one recording, shared by every call.
    const pcma = toneAlaw(run.seconds * run.loads.length + 180);
    for (const s of sessions) s.play({ pcma, pcmu: pcma }, { times: 1, onEnd: () => {} });
    await sleep(WARM_UP_MS);
    for (const load of run.loads) {
      const anchor = await startAnchorLoop(thread?.scheduling ?? null);
      const loop = monitorEventLoopDelay({ resolution: 1 });
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      loop.enable();
      probe.start();
      let imported: ImportFigures | null = null;
      if (load === 'alone') await sleep(run.seconds * 1000);
      else if (load === 'bursts') {
        const bursts = startBlockingBursts({ burstMs: 50, everyMs: 200 });
        await sleep(run.seconds * 1000);
        bursts.stop();
      } else {
        if (!run.importFile) throw new Error('no import file');
        imported = await runRosterImport(run.importFile.path, run.importFile.dir);
      }
      const figures = await probe.stop();
      const anchorFigures = await anchor.stop();
      loop.disable();
      const cpu = process.cpuUsage(cpu0);
      const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
      const parts = [
        `${media.padEnd(14)} ${load.padEnd(6)}`,
        `send error p50 ${ms(figures.p50Ms)} p99 ${ms(figures.p99Ms)} max ${ms(figures.maxMs)} ms (>2 ms ${(figures.over2MsShare * 100).toFixed(2)}% of ${figures.packets})`,
        `anchor p99 ${ms(anchorFigures.p99Ms)} max ${ms(anchorFigures.maxMs)} ms, ours/anchor p99 ${(figures.p99Ms / anchorFigures.p99Ms).toFixed(1)}x`,
        `core loop delay p99 ${ms(loop.percentile(99) / 1e6)} max ${ms(loop.max / 1e6)} ms`,
        `CPU ${(((cpu.user + cpu.system) / wallUs) * 100).toFixed(0)}%`,
      ];
      if (imported) {
        const share = run.importAlone ? ` (${((imported.rowsPerSecond / run.importAlone.rowsPerSecond) * 100).toFixed(0)}% of alone)` : '';
        parts.push(`import ${Math.round(imported.rowsPerSecond).toLocaleString('en')} rows/s${share}`);
      }
      console.log(parts.join(' | '));
      if (media === 'worker' && load === 'import') console.log(`  target: worker p99 < 2 ms during the import: ${figures.p99Ms < 2 ? 'met' : 'MISSED'}`);
    }
    for (const s of sessions) s.stop();
    await sleep(300);
    const report = await run.sink.report();
    let sent = 0;
    for (const s of sessions) sent += s.stats().packetsSent;
    console.log(`  ${media}: ${sent.toLocaleString('en')} packets sent, ${(sent - report.total).toLocaleString('en')} not received by the sink`);
  } finally {
    for (const s of sessions) s.close();
    await thread?.terminate();
  }
}

export async function main(args: string[] = []): Promise<void> {
  if (args[0] === '--sink') return runSink();
  const streams = Number(option(args, '--streams', '1000'));
  const seconds = Number(option(args, '--seconds', '10'));
  const medias = option(args, '--media', 'worker,worker-default,inline').split(',') as Media[];
  const loads = option(args, '--loads', 'alone,bursts,import').split(',') as Load[];
  const rows = Number(option(args, '--rows', '1000000'));
  const slots = Number(option(args, '--slots', '10'));
  const spinMicros = Number(option(args, '--spin-us', '1500'));
  const sleepSlackMicros = Number(option(args, '--slack-us', '120'));
  const clockOptions = { slots, spinMicros, sleepSlackMicros };
  const clock = configureSharedRtpClock(clockOptions);
  console.log(
    `${streams} RTP streams to a sink in a child process; ${WARM_UP_MS} ms warm-up, then per load ${seconds} s (the import: until done, ${rows.toLocaleString('en')} rows); ` +
      `clock ${slots} phases per 20 ms, waits <= ${spinMicros} us, the last ${sleepSlackMicros} us busy; bursts: 50 ms every 200 ms`,
  );
  const sink = await SinkProcess.start();
  const file = loads.includes('import') ? await makeImportFile(rows) : null;
  try {
    const importAlone = file ? await runRosterImport(file.path, file.dir) : null;
    if (importAlone) console.log(`import alone (no calls): ${Math.round(importAlone.rowsPerSecond).toLocaleString('en')} rows/s, ${importAlone.seconds.toFixed(1)} s`);
    for (const media of medias) {
      await runMedia(media, { streams, seconds, loads, sink, importFile: file, importAlone, clock, clockOptions });
      await sleep(500);
    }
  } finally {
    sink.stop();
    file?.cleanup();
  }
}
