/**
 * Simultaneous RTP streams: 100, 500 and 1,000 answered calls streaming a
 * recording at once to a local RTP sink that runs in a child process (so it
 * does not share the sender's event loop or CPU figures).
 *
 * Prints, per level: the error of every packet's SEND time against its ideal
 * 20 ms grid time (p50/p99/max, measured by the shared clock's probe just
 * before the datagram is handed to the kernel), packets lost at the sink,
 * the sender's CPU share (process.cpuUsage over wall time, 100% = one core),
 * its RSS and event-loop delay. Target: 1,000 streams, p99 < 2 ms, < 50% CPU.
 *
 *   node bin/run-ts.mjs bench/rtp.ts [--levels 100,500,1000] [--seconds 12] [--slots 10] [--spin-us 1500] [--lead-ms 0]
 */
import { createSocket } from 'node:dgram';
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { configureSharedRtpClock, RtpMediaSession, type RtpClock } from '../core/telephony/media/index.js';

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

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A 1 kHz tone in A-law, long enough for the whole run (the content does not matter for timing). */
function toneAlaw(seconds: number): Uint8Array {
  const pattern = [0x34, 0x21, 0x21, 0x34, 0xb4, 0xa1, 0xa1, 0xb4];
  const out = new Uint8Array(8000 * seconds);
  for (let i = 0; i < out.length; i++) out[i] = pattern[i % 8]!;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runLevel(streams: number, seconds: number, clock: RtpClock, sink: SinkProcess): Promise<void> {
  sink.reset();
  const levelStart = process.hrtime.bigint();
  const sessions: RtpMediaSession[] = [];
  for (let i = 0; i < streams; i++) {
    const session = await RtpMediaSession.open({ localAddress: '127.0.0.1', portRange: [20000, 59998], codecs: ['PCMA'] }, clock);
    session.applyAnswer(['v=0', 'o=sink 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${sink.port} RTP/AVP 8`, ''].join('\r\n'));
    sessions.push(session);
  }
  const pcma = toneAlaw(seconds + 5);
  for (const s of sessions) s.play({ pcma, pcmu: pcma }, { times: 1, onEnd: () => {} });

  await sleep(WARM_UP_MS);
  const capacity = Math.ceil(streams * 50 * (seconds + 2));
  const errors = new Float64Array(capacity);
  let n = 0;
  let maxLate = 0;
  clock.probe = (errorNs) => {
    const ms = errorNs / 1e6;
    if (n < capacity) errors[n++] = Math.abs(ms);
    if (ms > maxLate) maxLate = ms;
  };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  loop.disable();
  clock.probe = null;
  const rss = process.memoryUsage().rss;
  for (const s of sessions) s.stop();
  await sleep(300);
  const report = await sink.report();
  const received = new Map(report.counts);
  const levelWallUs = Number(process.hrtime.bigint() - levelStart) / 1000;
  let sent = 0;
  let lost = 0;
  for (const s of sessions) {
    const st = s.stats();
    sent += st.packetsSent;
  }
  lost = sent - report.total;
  for (const s of sessions) s.close();

  const sorted = errors.subarray(0, n).sort();
  let over2 = 0;
  for (let i = 0; i < n; i++) if (sorted[i]! > 2) over2 += 1;
  const cpuShare = ((cpu.user + cpu.system) / wallUs) * 100;
  console.log(
    [
      `${String(streams).padStart(5)} streams`,
      `${n} packets measured`,
      `send error p50 ${quantile(sorted, 0.5).toFixed(3)} ms, p99 ${quantile(sorted, 0.99).toFixed(3)} ms, max ${(sorted[n - 1] ?? NaN).toFixed(2)} ms, >2 ms ${((over2 / Math.max(1, n)) * 100).toFixed(2)}%`,
      `lost at sink ${lost} of ${sent} (${received.size} SSRCs seen)`,
      `CPU ${cpuShare.toFixed(1)}% of a core (user ${(cpu.user / wallUs * 100).toFixed(1)}%, sys ${(cpu.system / wallUs * 100).toFixed(1)}%)`,
      `RSS ${(rss / 2 ** 20).toFixed(0)} MB`,
      `sink CPU ${((report.cpuMicros / levelWallUs) * 100).toFixed(0)}%`,
      `event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(2)} ms`,
    ].join(' | '),
  );
}

export async function main(args: string[] = []): Promise<void> {
  if (args[0] === '--sink') return runSink();
  const levels = option(args, '--levels', '100,500,1000').split(',').map(Number);
  const seconds = Number(option(args, '--seconds', '12'));
  const slots = Number(option(args, '--slots', '10'));
  const spinMicros = Number(option(args, '--spin-us', '1500'));
  const leadMillis = Number(option(args, '--lead-ms', '0'));
  const clock = configureSharedRtpClock({ slots, spinMicros, leadMillis });
  console.log(`RTP streams to a sink in a child process, ${seconds} s per level after ${WARM_UP_MS} ms warm-up; clock: ${slots} phases per 20 ms, busy-wait <= ${spinMicros} us, timer lead ${leadMillis} ms`);
  const sink = await SinkProcess.start();
  try {
    for (const level of levels) {
      await runLevel(level, seconds, clock, sink);
      await sleep(500);
    }
  } finally {
    sink.stop();
  }
}
