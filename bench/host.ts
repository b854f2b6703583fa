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
 * runs each alone and all together (the media thread's 1,000 streaming calls).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** Figures a load reports, printed as `name: key value, ...`. */
export type Figures = Record<string, string>;

export interface RunningLoad {
  /** Resolves when a bounded load (an import) is finished; open-ended loads (requests) leave it out. */
  done?: Promise<void>;
  /** Stops the load and gives its figures. */
  stop(): Promise<Figures>;
}

export interface BenchLoad {
  name: string;
  /** Once per bench run, before the first scenario: make files, seed the data folder. */
  prepare?(work: { dir: string; dataDir: string }): Promise<void>;
  /** Starts on a running host. */
  start(host: HostClient, work: { dir: string; dataDir: string }): Promise<RunningLoad>;
  /** HostInit changes this load needs (the calls load: the engine started, dry-run tuning). */
  init?: Partial<HostInit>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

/**
 * Contract requests at a fixed rate, open loop (sent on schedule whether or
 * not the previous answered, as a page polling and reloading does): a task
 * list page each, cycling through the pages.
 */
export function requestLoad(perSecond = 50): BenchLoad {
  return {
    name: `requests (${perSecond}/s task.list pages)`,
    async start(host) {
      const rtts: number[] = [];
      let failures = 0;
      let inFlight = 0;
      let sent = 0;
      const interval = 1000 / perSecond;
      const started = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let stopped = false;
      const tick = () => {
        if (stopped) return;
        const page = (sent % 4) + 1;
        sent++;
        inFlight++;
        const at = performance.now();
        void host.api.task.list({ page, pageSize: 50 }).then((result) => {
          inFlight--;
          if (!result.ok || result.value.items.length === 0) failures++;
          rtts.push(performance.now() - at);
        });
        // Scheduled against the start, so a late tick does not slow the rate down.
        timer = setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
      };
      tick();
      return {
        async stop() {
          stopped = true;
          clearTimeout(timer);
          while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
          const seconds = (performance.now() - started) / 1000;
          const sorted = [...rtts].sort((a, b) => a - b);
          return {
            'round trip p50': ms(percentile(sorted, 50)),
            p99: ms(percentile(sorted, 99)),
            max: ms(sorted.at(-1) ?? NaN),
            requests: `${rtts.length} in ${seconds.toFixed(1)} s (${(rtts.length / seconds).toFixed(1)}/s)`,
            ...(failures ? { FAILED: String(failures) } : {}),
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
      let figures: Figures = {};
      const done = (async () => {
        const analysis = await host.api.roster.analyze({ path: csv });
        if (!analysis.ok) throw new Error(`roster.analyze: ${analysis.error.message}`);
        if (analysis.value.kind !== 'staged') throw new Error('the phone column was not found');
        const roster = await host.api.roster.confirm({ id: analysis.value.roster.id });
        if (!roster.ok) throw new Error(`roster.confirm: ${roster.error.message}`);
        const seconds = (performance.now() - started) / 1000;
        figures = {
          'rows/s': Math.round(roster.value.totalRows / seconds).toLocaleString('en'),
          seconds: seconds.toFixed(1),
          numbers: roster.value.validCount.toLocaleString('en'),
        };
      })();
      return { done, stop: async () => (await done, figures) };
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

/** Runs each load alone, then all together, each in a fresh core host; prints every load's figures. */
export async function runHostScenarios(loads: BenchLoad[], options: { openEndedSeconds?: number } = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'autocall-bench-host-'));
  const dataDir = join(dir, 'data');
  try {
    let started = performance.now();
    seedTasks(dataDir, 200);
    for (const load of loads) await load.prepare?.({ dir, dataDir });
    console.log(`prepared in ${((performance.now() - started) / 1000).toFixed(1)} s (2 cores shared with whatever else runs)`);

    const scenarios: BenchLoad[][] = [...loads.map((l) => [l]), ...(loads.length > 1 ? [loads] : [])];
    for (const scenario of scenarios) {
      const host = await forkHost(
        {
          dataDir,
          host: 'cli',
          version: 'bench',
          secrets: 'file-key',
          savePath: 'none',
          loginItem: 'none',
          ...Object.assign({}, ...scenario.map((l) => l.init ?? {})),
        },
        { stdio: 'inherit' },
      );
      try {
        started = performance.now();
        const running = await Promise.all(scenario.map((l) => l.start(host, { dir, dataDir })));
        const bounded = running.filter((r) => r.done).map((r) => r.done!);
        if (bounded.length > 0) await Promise.all(bounded);
        else await new Promise((r) => setTimeout(r, (options.openEndedSeconds ?? 10) * 1000));
        const figures = await Promise.all(running.map((r) => r.stop()));
        console.log(`\n${scenario.length === 1 ? 'alone' : 'together'} (${((performance.now() - started) / 1000).toFixed(1)} s):`);
        scenario.forEach((load, i) => {
          console.log(`  ${load.name}: ${Object.entries(figures[i]!).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        });
      } finally {
        await host.control('host.close', {});
        await host.closed;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  await runHostScenarios([requestLoad(50), importLoad()]);
}
