/**
 * Load on the core's event loop, for benchmarks that measure what else
 * suffers from it (bench/rtp.ts: RTP pacing; the core host's request round
 * trips can use the same). Both run in the calling process, on its thread,
 * as the core's own work would.
 *
 *   - a roster import: RosterService.analyze + confirm of a generated csv
 *     (csv-parse on its worker, SQLite writes in 2,000-row transactions here);
 *   - blocking bursts: the thread held busy for `burstMs` every `everyMs`,
 *     as a slow synchronous query or a burst of outcomes would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RosterService } from '../core/rosters/rosterService.js';
import { makeTestContext } from '../tests/support/coreContext.js';
import { makeCsv } from './roster.js';

export interface ImportFigures {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

/** A generated roster csv (bench/roster.ts rows) in its own temp folder; `cleanup` removes both. */
export async function makeImportFile(rows: number): Promise<{ path: string; dir: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'autocall-bench-load-'));
  const path = join(dir, `roster-${rows}.csv`);
  await makeCsv(path, rows);
  return { path, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

let imports = 0;

/** Imports the csv into a fresh SQLite file in `dir`, as the app does (analyze, then confirm). */
export async function runRosterImport(path: string, dir: string): Promise<ImportFigures> {
  const t = makeTestContext(join(dir, `data-${++imports}`));
  try {
    const started = performance.now();
    const service = new RosterService(t.ctx);
    const analysis = await service.analyze({ path });
    if (analysis.kind !== 'staged') throw new Error(`no phone column found in ${analysis.headers.join(', ')}`);
    const roster = service.confirm(analysis.roster.id);
    const seconds = (performance.now() - started) / 1000;
    return { rows: roster.totalRows, seconds, rowsPerSecond: roster.totalRows / seconds };
  } finally {
    t.close();
  }
}

/** Holds the thread busy for `burstMs` every `everyMs` until stopped; returns how many bursts ran. */
export function startBlockingBursts(options: { burstMs?: number; everyMs?: number } = {}): { stop: () => number } {
  const burstMs = options.burstMs ?? 50;
  const everyMs = options.everyMs ?? 200;
  let bursts = 0;
  const timer = setInterval(() => {
    const until = performance.now() + burstMs;
    while (performance.now() < until) {
      // a synchronous job holding the event loop
    }
    bursts += 1;
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return bursts;
    },
  };
}
