/**
 * Issue 8's benchmark in one run: the built core host (out/main/coreHost.js,
 * forked as the CLI's `run` forks it) streams 1,000 answered calls, imports
 * a 1,000,000-row csv, and answers a client standing in for the window that
 * sends 50 contract requests a second (task list pages), all at once. Each
 * load also runs alone in its own fresh host, then all three together.
 *
 * Prints, alone and together:
 *   - RTP send error p50/p99/max: every packet's send time on the host's
 *     media thread against its 20 ms grid time (HostControls
 *     `test.mediaProbeStart/Report`), beside the anchor, a bare Atomics.wait
 *     pacing loop (bench/pacingAnchor.worker.ts) run in this process at the
 *     media thread's scheduling (real time or niceness) over the same span (the OS schedules threads,
 *     not processes, so it meets the same machine), and ours/anchor;
 *   - the request round trip p50/p99, beside its anchor (a bare Node process
 *     answering a ready-made page over the same kind of IPC, asked at the
 *     same moments: bench/host.ts) and ours/anchor;
 *   - the import's rows/s, and together as a share of alone.
 * Targets: RTP p99 < 2 ms during the import, request p99 < 50 ms, the import
 * at least 80 % of its speed alone. Asserts nothing.
 *
 * The far end is sipp (tests/sipp/answer-wait-bye.xml: answers, waits for our
 * BYE). It only signals: the calls' RTP goes to sipp's media port, which
 * sipp binds and never reads (without -rtp_echo), so the kernel drops the
 * packets at no cost to the two shared cores, as a gateway on another machine
 * would cost nothing here. The socket's drop counter (/proc/net/udp) shows
 * that the packets reached it. The recording (5 minutes, played up to 5
 * times) keeps every call up through the import; the calls end by
 * cancelling their task.
 *
 *   npm run bench -- combined
 *   npm run bench -- combined --calls 200 --rows 200000 --seconds 10    (a quicker look)
 *   npm run bench -- combined --pairs    (also each two loads together: which one costs the other)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../core/db/database.js';
import { dataPaths } from '../core/paths.js';
import type { HostClient } from '../shared/host/client.js';
import type { MediaProbeFigures } from '../shared/host/protocol.js';
import type { Result } from '../shared/result.js';
import { makeMp3 } from '../tests/support/mp3Files.js';
import { schedulingText } from '../core/telephony/media/workerMedia.js';
import { seedRoster } from '../tests/support/seed.js';
import { freePort, startSipp, type SippRun } from '../tests/support/sipp.js';
import { importLoad, loadAverage, requestLoad, runHostScenarios, type BenchLoad, type LoadResult, type ScenarioResult } from './host.js';
import { cpuSeconds } from './proc.js';
import { startAnchorLoop } from './rtp.js';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function must<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`${what}: ${result.error.message}`);
  return result.value;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f3 = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(3) : '-');
const f1 = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(1) : '-');

/** Datagrams the kernel dropped at a bound, unread UDP port on 127.0.0.1 (the last column of /proc/net/udp). */
function udpDrops(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[1]?.endsWith(hexPort)) return Number(cols.at(-1));
  }
  return NaN;
}

const RECORDING_NAME = 'Bench call audio';

/**
 * `calls` answered calls placed by the host's engine through its SIP gateway
 * (every setting as Settings > Gateway saves it), each streaming the
 * recording from the media thread. start() resolves once every call has
 * media and streams; the probe and the anchor run from then until stop().
 */
export function callsLoad(options: { calls: number; recordingSeconds?: number; callsPerSecond?: number }): BenchLoad {
  const { calls } = options;
  const cps = options.callsPerSecond ?? 200;
  let sipp: SippRun | null = null;
  let mediaPort = 0;
  let mp3 = '';
  let rosterId = 0;
  let tasks = 0;
  return {
    name: `calls (${calls.toLocaleString('en')} streaming)`,
    init: { mediaProbe: true },
    async prepare({ dir, dataDir }) {
      mp3 = makeMp3(dir, 'bench-call.mp3', { seconds: options.recordingSeconds ?? 300, rate: 22050, channels: 1, kbps: 32 });
      const db = openDatabase(dataPaths(dataDir).database);
      try {
        rosterId = seedRoster(db, calls, 'Bench calls');
      } finally {
        db.close();
      }
      mediaPort = await freePort();
      sipp = await startSipp({
        scenario: 'answer-wait-bye.xml',
        calls: 10 * calls,
        timeoutSeconds: 4 * 3600,
        traceMessages: false,
        // sipp ends the whole run when its own timer is late too often (120 times over 500 ms, by default):
        // on a machine this busy it would, and every call would fail with it.
        args: ['-mp', String(mediaPort), '-watchdog_minor_maxtriggers', '1000000', '-watchdog_major_maxtriggers', '1000000'],
      });
      const run = sipp;
      void run.exited.then(({ code, output }) => {
        if (sipp === run) console.error(`\n  sipp (the calls' far end) EXITED during the bench with ${code}; the calls figures after this are not valid:\n${output.slice(-1500)}`);
      });
    },
    async finish() {
      const run = sipp;
      sipp = null;
      await run?.kill();
    },
    async start(host: HostClient) {
      if (!sipp) throw new Error('the calls load was not prepared');
      const recordings = must(await host.api.recording.list({}), 'recording.list');
      const recording = recordings.find((r) => r.name === RECORDING_NAME) ?? must(await host.api.recording.add({ path: mp3, name: RECORDING_NAME }), 'recording.add');
      const { passwordSet: _passwordSet, ...current } = must(await host.api.gateway.get({}), 'gateway.get');
      const rtpPortMin = 20_000 + 2 * Math.floor(Math.random() * 10_000);
      must(
        await host.api.gateway.save({
          settings: {
            ...current,
            mode: 'sip',
            host: sipp.host,
            port: sipp.port,
            transport: 'udp',
            localAddress: '127.0.0.1',
            callerIdUser: 'bench',
            register: false,
            codecs: ['PCMA'],
            channels: calls,
            callsPerSecond: cps,
            ringTimeoutSeconds: 30,
            playTimes: 5,
            rtpPortMin,
            rtpPortMax: rtpPortMin + 4 * calls + 200,
          },
        }),
        'gateway.save',
      );
      const task = must(await host.api.task.create({ name: `Bench calls ${++tasks}`, recordingId: recording.id, rosterId, start: { mode: 'now' } }), 'task.create');
      must(await host.control('engine.start', {}), 'engine.start');

      // Every call has its media session, and was answered (sipp answers at once): the first packets follow the 200 OK.
      const rampStarted = performance.now();
      const deadline = rampStarted + (calls / cps) * 4000 + 60_000;
      let report = must(await host.control('test.mediaProbeReport', {}), 'test.mediaProbeReport');
      while (report.sessions < calls && performance.now() < deadline) {
        await sleep(250);
        report = must(await host.control('test.mediaProbeReport', {}), 'test.mediaProbeReport');
      }
      await sleep(2000);
      const connected = must(await host.api.engine.status({}), 'engine.status').activeCalls;
      console.log(
        `  calls: ${report.sessions} media sessions, ${connected} calls in flight after ${((performance.now() - rampStarted) / 1000).toFixed(1)} s` +
          (report.sessions < calls ? ` (FEWER than ${calls}: the figures are for these)` : ''),
      );

      const anchor = await startAnchorLoop(report.scheduling);
      const dropsBefore = udpDrops(mediaPort);
      const sippPid = sipp.process.pid;
      const cpuBefore = { host: cpuSeconds(host.pid), sipp: cpuSeconds(sippPid), at: performance.now() };
      must(await host.control('test.mediaProbeStart', {}), 'test.mediaProbeStart');
      return {
        async stop(): Promise<LoadResult> {
          const probe: MediaProbeFigures = must(await host.control('test.mediaProbeReport', {}), 'test.mediaProbeReport');
          const reached = udpDrops(mediaPort) - dropsBefore;
          const wall = (performance.now() - cpuBefore.at) / 1000;
          const cpuShare = (now: number, before: number) => `${(((now - before) / wall) * 100).toFixed(0)}%`;
          const cpu = `core host ${cpuShare(cpuSeconds(host.pid), cpuBefore.host)}, sipp ${cpuShare(cpuSeconds(sippPid), cpuBefore.sipp)} (of one core)`;
          const anchorFigures = await anchor.stop();
          // Cancelling sends every call its BYE, so the host's close does not wait for the recording to end.
          // The engine hangs up a cancelled task's calls on its next tick: wait for that with the engine still
          // running (a stop that came first would wait out the recording instead).
          must(await host.api.task.cancel({ id: task.id }), 'task.cancel');
          const hangUpBy = performance.now() + 120_000;
          let up = must(await host.api.engine.status({}), 'engine.status').activeCalls;
          while (up > 0 && performance.now() < hangUpBy) {
            await sleep(500);
            up = must(await host.api.engine.status({}), 'engine.status').activeCalls;
          }
          if (up > 0 && host.pid !== undefined) {
            console.error(`  calls: ${up} still up 2 minutes after the cancel: the host is killed rather than waiting for their recording to end`);
            process.kill(host.pid, 'SIGKILL');
          }
          const streams = probe.packets / probe.seconds / 50;
          return {
            figures: {
              'send error p50': `${f3(probe.p50Ms)} ms`,
              p99: `${f3(probe.p99Ms)} ms`,
              max: `${f3(probe.maxMs)} ms`,
              '>2 ms': `${(probe.over2MsShare * 100).toFixed(2)}%`,
              packets: `${probe.packets.toLocaleString('en')} in ${probe.seconds.toFixed(1)} s (${streams.toFixed(0)} streams' worth at 50/s; ${Number.isFinite(reached) ? `sipp's unread media port dropped ${reached.toLocaleString('en')} meanwhile` : "sipp's media port not found"})`,
              'media thread': `${schedulingText(probe.scheduling)}, loop delay p99 ${f3(probe.loopDelayP99Ms)} ms`,
              'host thread loop delay': `p99 ${f1(probe.hostLoopDelayP99Ms)} ms, max ${f1(probe.hostLoopDelayMaxMs)} ms`,
              CPU: cpu,
              'anchor (Atomics.wait loop) p50': `${f3(anchorFigures.p50Ms)} ms`,
              'anchor p99': `${f3(anchorFigures.p99Ms)} ms`,
              'anchor max': `${f3(anchorFigures.maxMs)} ms`,
              'ours/anchor p99': `${(probe.p99Ms / anchorFigures.p99Ms).toFixed(1)}x`,
            },
            numbers: {
              p50: probe.p50Ms,
              p99: probe.p99Ms,
              max: probe.maxMs,
              anchorP50: anchorFigures.p50Ms,
              anchorP99: anchorFigures.p99Ms,
              anchorMax: anchorFigures.maxMs,
              streams,
            },
          };
        },
      };
    },
  };
}

/** The numbers of one load, alone and together. */
function pick(results: ScenarioResult[], name: string): { alone?: Record<string, number>; together?: Record<string, number>; aloneLoad?: number; togetherLoad?: number } {
  const alone = results.find((r) => r.loads.length === 1 && r.loads[0] === name);
  const together = results.reduce<ScenarioResult | undefined>((most, r) => (r.loads.length > (most?.loads.length ?? 1) ? r : most), undefined);
  const i = together?.loads.indexOf(name) ?? -1;
  return { alone: alone?.results[0]?.numbers, together: i >= 0 ? together!.results[i]!.numbers : undefined, aloneLoad: alone?.loadAverage, togetherLoad: together?.loadAverage };
}

const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(1)}x` : '-');

function printSummary(results: ScenarioResult[], loads: { calls: BenchLoad; requests: BenchLoad; importing: BenchLoad }): void {
  const rtp = pick(results, loads.calls.name);
  const req = pick(results, loads.requests.name);
  const imp = pick(results, loads.importing.name);
  const rtpLine = (n?: Record<string, number>) =>
    n ? `p50 ${f3(n.p50)} p99 ${f3(n.p99)} max ${f3(n.max)} ms (anchor p50 ${f3(n.anchorP50)} p99 ${f3(n.anchorP99)} max ${f3(n.anchorMax)} ms; ours/anchor p99 ${ratio(n.p99, n.anchorP99)})` : '-';
  const reqLine = (n?: Record<string, number>) =>
    n
      ? `p50 ${f1(n.p50)} p99 ${f1(n.p99)} ms (anchor p50 ${f1(n.anchorP50)} p99 ${f1(n.anchorP99)} ms; ours/anchor p99 ${ratio(n.p99, n.anchorP99)})${n.skipped ? `, ${n.skipped} SKIPPED (the host fell behind)` : ''}`
      : '-';
  console.log(`\nsummary (load average at the end: alone runs ${[rtp.aloneLoad, req.aloneLoad, imp.aloneLoad].map((v) => f1(v)).join(' / ')}, together ${f1(rtp.togetherLoad)}):`);
  console.log(`  RTP send error     alone:    ${rtpLine(rtp.alone)}`);
  console.log(`                     together: ${rtpLine(rtp.together)}`);
  console.log(`  request round trip alone:    ${reqLine(req.alone)}`);
  console.log(`                     together: ${reqLine(req.together)}`);
  const share = imp.alone && imp.together ? imp.together.rowsPerSecond! / imp.alone.rowsPerSecond! : NaN;
  console.log(
    `  import             alone:    ${imp.alone ? Math.round(imp.alone.rowsPerSecond!).toLocaleString('en') : '-'} rows/s; together: ${imp.together ? Math.round(imp.together.rowsPerSecond!).toLocaleString('en') : '-'} rows/s (${(share * 100).toFixed(0)}% of alone)`,
  );
  console.log(
    `  targets: RTP p99 < 2 ms during the import: ${verdict((rtp.together?.p99 ?? Infinity) < 2)}; request p99 < 50 ms: ${verdict((req.together?.p99 ?? Infinity) < 50 && !req.together?.skipped)}; import >= 80 % of alone: ${verdict(share >= 0.8)}`,
  );
}

export async function main(args: string[] = []): Promise<void> {
  const calls = option(args, 'calls', 1000);
  const rows = option(args, 'rows', 1_000_000);
  const seconds = option(args, 'seconds', 10);
  const rate = option(args, 'rate', 50);
  const loads = { calls: callsLoad({ calls }), requests: requestLoad(rate, { anchor: true }), importing: importLoad(rows) };
  console.log(
    `core host: ${calls.toLocaleString('en')} calls streaming, a ${rows.toLocaleString('en')}-row csv import, ${rate} task.list requests/s; ` +
      `each alone (the calls and the requests for ${seconds} s), then together (until the import is done); load average ${loadAverage()}`,
  );
  const results = await runHostScenarios([loads.calls, loads.requests, loads.importing], { openEndedSeconds: seconds, pairs: args.includes('--pairs') });
  printSummary(results, loads);
}
