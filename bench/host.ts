/**
 * The core host under load, as the window sees it: a client standing in for
 * the window sends 50 contract requests a second (task list pages) to the
 * built core host (out/main/coreHost.js, forked as the CLI's `run` forks
 * it), while the host imports a 1,000,000-row csv (bench/roster.ts's file).
 * Each load alone, then all together, each scenario in a fresh host on the
 * same data folder (200 tasks, so every page is full).
 *
 * Prints the request round trip (p50, p99, max) and the import's rows/s;
 * asserts nothing. Targets (issue 8): request p99 under 50 ms during the
 * import; the import at least 80 % of its speed alone.
 *
 *   npm run bench -- host
 *   HOST_BENCH_ROWS=100000 node bin/run-ts.mjs bench/host.ts    (smaller file, for a quick look)
 *
 * More loads plug in: `runHostScenarios([requestLoad(), importLoad(), yourLoad])`
 * runs each alone and all together; bench/combined.ts adds the media
 * thread's 1,000 streaming calls and the anchors.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../core/db/database.js';
import { forkHost } from '../core/host/fork.js';
import { silentLogger } from '../core/log.js';
import { dataPaths } from '../core/paths.js';
import { TaskService } from '../core/tasks/taskService.js';
import type { CoreContext } from '../core/context.js';
import type { HostClient } from '../shared/host/client.js';
import type { HostInit } from '../shared/host/protocol.js';
import { seedRecording, seedRoster } from '../tests/support/seed.js';
import { makeCsv } from './roster.js';

/** A core host as the CLI starts it (secrets in the key file, no window to ask), on `dataDir`. */
export function benchHostInit(dataDir: string): HostInit {
  return { dataDir, host: 'cli', version: 'bench', secrets: 'file-key', savePath: 'none', loginItem: 'none' };
}

/** Figures a load reports, printed as `name: key value, ...`. */
export type Figures = Record<string, string>;

/** What a load measured: printed figures, and the headline numbers the summary compares (alone against together). */
export interface LoadResult {
  figures: Figures;
  numbers?: Record<string, number>;
}

export interface RunningLoad {
  /** Resolves when a bounded load (an import) is finished; open-ended loads (requests) leave it out. */
  done?: Promise<void>;
  /** Stops the load and gives its figures. */
  stop(): Promise<LoadResult>;
}

export interface BenchWork {
  dir: string;
  dataDir: string;
}

export interface BenchLoad {
  name: string;
  /** Once per bench run, before the first scenario: make files, seed the data folder, start peers. */
  prepare?(work: BenchWork): Promise<void>;
  /**
   * Starts on a running host and resolves once the load runs steadily (the calls: all connected).
   * Loads start one after the other in the order given, so a later one meets the earlier at full size.
   */
  start(host: HostClient, work: BenchWork): Promise<RunningLoad>;
  /** Once at the end, whatever happened: stop what prepare started (sipp). */
  finish?(): Promise<void>;
  /** HostInit changes this load needs (the calls load: the media probe). */
  init?: Partial<HostInit>;
}

/** One scenario's results: the loads that ran together (one alone) and each one's result, in order. */
export interface ScenarioResult {
  loads: string[];
  results: LoadResult[];
  /** The machine's 1-minute load average when the scenario ended (2 cores shared with other jobs). */
  loadAverage: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

/**
 * The request load's anchor: a bare Node process forked the same way as
 * the host (IPC, `serialization: 'advanced'`) that answers each request
 * with a ready-made page of 50 task-sized objects and does nothing else.
 * Its round trip, sent at the same moments as ours, is what the pipe, the
 * serialisation and the OS's scheduling cost on this machine under the
 * same load; ours/anchor is what the core host adds.
 */
const ECHO_ANCHOR = `
const page = { items: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, name: 'Bench Task ' + (i + 1), status: 'scheduled', recordingName: 'Promotion Campaign',
  rosterName: 'Promotion_List_202601', startAt: 1767225600000 + i, total: 10, done: 0, answered: 0, smsSent: 0, dryRun: true })), total: 200, page: 1, pageSize: 50 };
process.on('message', (m) => process.send({ id: m.id, value: page }));
`;

interface EchoAnchor {
  request(): Promise<number>;
  close(): void;
}

function startEchoAnchor(dir: string): Promise<EchoAnchor> {
  const file = join(dir, 'echo-anchor.mjs');
  writeFileSync(file, ECHO_ANCHOR);
  const child = fork(file, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  const waiting = new Map<number, () => void>();
  let next = 1;
  child.on('message', (m: { id: number }) => {
    waiting.get(m.id)?.();
    waiting.delete(m.id);
  });
  const anchor: EchoAnchor = {
    request() {
      const id = next++;
      const at = performance.now();
      return new Promise((resolve) => {
        waiting.set(id, () => resolve(performance.now() - at));
        child.send({ id });
      });
    },
    close: () => child.kill(),
  };
  // The first answer: the child runs.
  return anchor.request().then(() => anchor);
}

/** Requests left unanswered at once beyond which the load sends no more until some answer (5 s of requests at 50/s). */
const MAX_OUTSTANDING = 250;

/**
 * Contract requests at a fixed rate, open loop (sent on schedule whether or
 * not the previous answered, as a page polling and reloading does): a task
 * list page each, cycling through the pages. With `anchor`, the same
 * request goes to the echo anchor (above) at the same moment. A host that
 * answers slower than the rate would otherwise collect an ever longer queue
 * that holds up everything else it does (its import, its calls' SIP): past
 * MAX_OUTSTANDING a request is skipped, and counted as such.
 */
export function requestLoad(perSecond = 50, options: { anchor?: boolean } = {}): BenchLoad {
  return {
    name: `requests (${perSecond}/s task.list pages)`,
    async start(host, { dir }) {
      const anchor = options.anchor ? await startEchoAnchor(dir) : null;
      const rtts: number[] = [];
      const anchorRtts: number[] = [];
      let failures = 0;
      let inFlight = 0;
      let outstanding = 0;
      let skipped = 0;
      let sent = 0;
      const interval = 1000 / perSecond;
      const started = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let stopped = false;
      const tick = () => {
        if (stopped) return;
        const page = (sent % 4) + 1;
        sent++;
        if (outstanding >= MAX_OUTSTANDING) {
          skipped++;
        } else {
          inFlight++;
          outstanding++;
          const at = performance.now();
          void host.api.task.list({ page, pageSize: 50 }).then((result) => {
            inFlight--;
            outstanding--;
            if (!result.ok || result.value.items.length === 0) failures++;
            rtts.push(performance.now() - at);
          });
        }
        if (anchor) {
          inFlight++;
          void anchor.request().then((rtt) => {
            inFlight--;
            anchorRtts.push(rtt);
          });
        }
        // Scheduled against the start, so a late tick does not slow the rate down.
        timer = setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
      };
      tick();
      return {
        async stop() {
          stopped = true;
          clearTimeout(timer);
          while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
          anchor?.close();
          const seconds = (performance.now() - started) / 1000;
          const sorted = [...rtts].sort((a, b) => a - b);
          const anchorSorted = [...anchorRtts].sort((a, b) => a - b);
          const numbers: Record<string, number> = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, skipped };
          if (anchor) Object.assign(numbers, { anchorP50: percentile(anchorSorted, 50), anchorP99: percentile(anchorSorted, 99) });
          return {
            figures: {
              'round trip p50': ms(numbers.p50!),
              p99: ms(numbers.p99!),
              max: ms(numbers.max!),
              requests: `${rtts.length} in ${seconds.toFixed(1)} s (${(rtts.length / seconds).toFixed(1)}/s)`,
              ...(anchor ? { 'anchor (bare echo process) p50': ms(numbers.anchorP50!), 'anchor p99': ms(numbers.anchorP99!) } : {}),
              ...(failures ? { FAILED: String(failures) } : {}),
              ...(skipped ? { SKIPPED: `${skipped} (${MAX_OUTSTANDING} were waiting for an answer)` } : {}),
            },
            numbers,
          };
        },
      };
    },
  };
}

/** roster.analyze + roster.confirm of a generated csv, through the contract. */
export function importLoad(rows = Number(process.env.HOST_BENCH_ROWS ?? 1_000_000)): BenchLoad {
  let csv = '';
  return {
    name: `import (${rows.toLocaleString('en')}-row csv)`,
    async prepare({ dir }) {
      csv = join(dir, `roster-${rows}.csv`);
      await makeCsv(csv, rows);
    },
    async start(host) {
      const started = performance.now();
      let result: LoadResult = { figures: {} };
      const done = (async () => {
        const analysis = await host.api.roster.analyze({ path: csv });
        if (!analysis.ok) throw new Error(`roster.analyze: ${analysis.error.message}`);
        if (analysis.value.kind !== 'staged') throw new Error('the phone column was not found');
        const roster = await host.api.roster.confirm({ id: analysis.value.roster.id });
        if (!roster.ok) throw new Error(`roster.confirm: ${roster.error.message}`);
        const seconds = (performance.now() - started) / 1000;
        const rowsPerSecond = roster.value.totalRows / seconds;
        result = {
          figures: {
            'rows/s': Math.round(rowsPerSecond).toLocaleString('en'),
            seconds: seconds.toFixed(1),
            numbers: roster.value.validCount.toLocaleString('en'),
          },
          numbers: { rowsPerSecond },
        };
      })();
      return { done, stop: async () => (await done, result) };
    },
  };
}

/** A data folder with `tasks` tasks (a 10-number roster each), written directly: what the request load pages through. */
function seedTasks(dataDir: string, tasks: number): void {
  mkdirSync(dataDir, { recursive: true });
  const db = openDatabase(dataPaths(dataDir).database);
  try {
    const ctx = { db, clock: { now: () => Date.now() }, log: silentLogger, emit: () => {} } as unknown as CoreContext;
    const service = new TaskService(ctx, { isDryRun: () => true });
    const recordingId = seedRecording(db);
    const rosterId = seedRoster(db, 10);
    // Scheduled far ahead: nothing dials while the bench runs.
    const startAt = Date.now() + 30 * 86_400_000;
    for (let i = 0; i < tasks; i++) service.create({ name: `Bench Task ${i + 1}`, recordingId, rosterId, startAt });
  } finally {
    db.close();
  }
}

/** Runs each load alone, then all together, each in a fresh core host; prints every load's figures and returns them. */
export async function runHostScenarios(
  loads: BenchLoad[],
  options: { openEndedSeconds?: number; tasks?: number; /** Also each two loads together (which one costs the other). */ pairs?: boolean } = {},
): Promise<ScenarioResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'autocall-bench-host-'));
  const dataDir = join(dir, 'data');
  const out: ScenarioResult[] = [];
  try {
    let started = performance.now();
    seedTasks(dataDir, options.tasks ?? 200);
    for (const load of loads) await load.prepare?.({ dir, dataDir });
    console.log(`prepared in ${((performance.now() - started) / 1000).toFixed(1)} s (2 cores shared with whatever else runs; load average ${loadAverage()})`);

    const pairs = options.pairs && loads.length > 2 ? loads.flatMap((a, i) => loads.slice(i + 1).map((b) => [a, b])) : [];
    const scenarios: BenchLoad[][] = [...loads.map((l) => [l]), ...pairs, ...(loads.length > 1 ? [loads] : [])];
    for (const scenario of scenarios) {
      const host = await forkHost({ ...benchHostInit(dataDir), ...Object.assign({}, ...scenario.map((l) => l.init ?? {})) }, { stdio: 'inherit' });
      try {
        started = performance.now();
        const running: RunningLoad[] = [];
        for (const load of scenario) running.push(await load.start(host, { dir, dataDir }));
        const bounded = running.filter((r) => r.done).map((r) => r.done!);
        if (bounded.length > 0) await Promise.all(bounded);
        else await new Promise((r) => setTimeout(r, (options.openEndedSeconds ?? 10) * 1000));
        // Stopped in the reverse order: the calls, started first, measure until the others have stopped.
        const results: LoadResult[] = new Array<LoadResult>(running.length);
        for (let i = running.length - 1; i >= 0; i--) results[i] = await running[i]!.stop();
        const average = loadavg()[0]!;
        console.log(`\n${scenario.length === 1 ? 'alone' : scenario.length < loads.length ? 'two together' : 'together'} (${((performance.now() - started) / 1000).toFixed(1)} s, load average ${loadAverage()}):`);
        scenario.forEach((load, i) => {
          console.log(`  ${load.name}: ${Object.entries(results[i]!.figures).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        });
        out.push({ loads: scenario.map((l) => l.name), results, loadAverage: average });
      } finally {
        await host.control('host.close', {});
        await host.closed;
      }
    }
    return out;
  } finally {
    for (const load of loads) await load.finish?.().catch((err: unknown) => console.error(`${load.name}: ${String(err)}`));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `uptime`'s three load averages. */
export function loadAverage(): string {
  return loadavg()
    .map((v) => v.toFixed(2))
    .join(', ');
}

export async function main(): Promise<void> {
  await runHostScenarios([requestLoad(50), importLoad()]);
}
