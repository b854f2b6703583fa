/**
 * Call Roster import speed and memory: a 100,000-row .xlsx and a
 * 1,000,000-row .csv (name, phone in the shapes people type, amount, due
 * date; ~1% duplicates, ~0.5% unusable), generated once per run into a temp
 * folder. For each file, in the same run and each in a fresh process (so the
 * peak RSS is that work's own, not the generator's):
 *
 *   floor  - a bare streaming read of the file, touching every cell, on the
 *            main thread: exceljs's WorkbookReader (the general-purpose reader
 *            the import used before core/rosters/xlsxReader.ts) and csv-parse
 *            with the options the import used before papaparse (issue 13's
 *            floors);
 *   reader - the parser the import uses, alone on the main thread: the
 *            parsing share of the import, beside the floor (xlsx: our own
 *            reader, core/rosters/xlsxReader.ts; csv: core/rosters/csvSplitter.ts,
 *            papaparse's Parser, in the worker's chunks);
 *   import - the import as it ships: a fresh built core host
 *            (out/main/coreHost.js, forked as the CLI's `run` forks it, on an
 *            empty data folder) asked `roster.analyze` then `roster.confirm`
 *            over its IPC, timed from the request to the confirmed roster;
 *            the file is read and the rows prepared on the host's reader
 *            worker, the SQLite writes on its main thread. Its CPU seconds
 *            (every thread) and peak RSS (VmHWM) are the host process's own,
 *            read from /proc. (How long a request waits during an import:
 *            `npm run bench -- host`.)
 *
 * Prints seconds, rows/s, CPU seconds, peak RSS, import/floor and import/reader; asserts nothing.
 * Targets (issue 13): xlsx import <= 1.0x its floor; csv >= 400,000 rows/s or
 * <= 1.3x its floor; peak RSS < 250 MB for both.
 *
 *   npm run bench -- roster
 *   node bin/run-ts.mjs bench/roster.ts          (same)
 *   ROSTER_BENCH_ROWS=20000 ...                   (smaller files, for a quick look)
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { CSV_CHUNK_BYTES } from '../core/rosters/csvRows.js';
import { CsvSplitter } from '../core/rosters/csvSplitter.js';
import { DEFAULT_ROSTER_LIMITS } from '../core/rosters/rosterLimits.js';
import { isBlankRow } from '../core/rosters/sheetRows.js';
import { readXlsxRows } from '../core/rosters/xlsxReader.js';
import { forkHost } from '../core/host/fork.js';
import { benchHostInit } from './host.js';
import { cpuSeconds, statusMb } from './proc.js';

const XLSX_ROWS = Number(process.env['ROSTER_BENCH_ROWS'] ?? 100_000);
const CSV_ROWS = XLSX_ROWS * 10;
const ROOT = join(import.meta.dirname, '..');

interface ChildResult {
  seconds: number;
  rows: number;
  validCount?: number;
  duplicateCount?: number;
  invalidCount?: number;
  /** process.resourceUsage().maxRSS of the child, in MB: its peak. */
  peakRssMb: number;
  /** RSS before the work started: what the runtime and loaded modules cost. */
  startRssMb: number;
  /**
   * CPU time of the work, all threads of the process (user + system): on a
   * busy machine the seconds measure the wait for a core too, this does not.
   */
  cpuSeconds: number;
}

const FIRST_NAMES = ['Budi', 'Sari', 'Andi', 'Dewi', 'Eko', 'Fitri', 'Agus', 'Rina', '王伟', 'Siti', 'Joko', 'Putri'];
const LAST_NAMES = ['Santoso', 'Wijaya', 'Kusuma', 'Hartono', 'Saputra', 'Lestari', 'Pratama', 'Nugroho'];
const PREFIXES = ['812', '813', '821', '822', '852', '856', '857', '858', '877', '878', '895', '896', '811', '838'];

/** Deterministic row i: the same file every run. */
function rowData(i: number): { name: string; phone: string | number; amount: number; due: Date } {
  const name = `${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[(i >> 3) % LAST_NAMES.length]}`;
  // ~1% repeat an earlier number, ~0.5% are unusable.
  const n = i % 100 === 99 ? i - 50 : i;
  const prefix = PREFIXES[n % PREFIXES.length]!;
  const subscriber = String((n * 7919) % 100_000_000).padStart(8, '0');
  const national = prefix + subscriber;
  let phone: string | number;
  if (i % 200 === 7) phone = i % 400 === 7 ? 'tidak ada' : '0812-34';
  else {
    switch (n % 6) {
      case 0:
        phone = `0${prefix}-${subscriber.slice(0, 4)}-${subscriber.slice(4)}`;
        break;
      case 1:
        phone = `+62 ${prefix} ${subscriber.slice(0, 4)} ${subscriber.slice(4)}`;
        break;
      case 2:
        phone = `62${national}`;
        break;
      case 3:
        phone = `${prefix} ${subscriber.slice(0, 4)} ${subscriber.slice(4)}`;
        break;
      case 4:
        phone = `0${national}`;
        break;
      default:
        phone = Number(`62${national}`); // Excel: a number cell
    }
  }
  return { name, phone, amount: 50_000 + ((i * 37) % 5_000) * 1000, due: new Date(Date.UTC(2026, i % 12, 1 + (i % 28))) };
}

export async function makeXlsx(path: string, rows: number): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: true });
  const sheet = workbook.addWorksheet('Roster');
  sheet.columns = [
    { header: 'Nama', key: 'name', width: 24 },
    { header: 'Nomor HP', key: 'phone', width: 20 },
    { header: 'Jumlah', key: 'amount', width: 12, style: { numFmt: '#,##0' } },
    { header: 'Jatuh Tempo', key: 'due', width: 14, style: { numFmt: 'yyyy-mm-dd' } },
  ];
  for (let i = 0; i < rows; i++) sheet.addRow(rowData(i)).commit();
  sheet.commit();
  await workbook.commit();
}

export async function makeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('\ufeffNama,Nomor HP,Jumlah,Jatuh Tempo\r\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const r = rowData(i);
    chunk += `${r.name},${String(r.phone)},${r.amount},${r.due.toISOString().slice(0, 10)}\r\n`;
    if (chunk.length > 256 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** exceljs's streaming reader with the options the import used with it, every cell touched, nothing else. */
async function floorXlsx(path: string): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(createReadStream(path, { highWaterMark: 256 * 1024 }), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let rows = 0;
  let cells = 0;
  for await (const sheet of workbook) {
    for await (const row of sheet) {
      const values = row.values as unknown[];
      for (let i = 1; i < values.length; i++) if (values[i] !== undefined) cells++;
      rows++;
    }
    break;
  }
  if (cells === 0) throw new Error('no cells read');
  return rows;
}

/** The import's own xlsx reader on this thread, every cell touched. */
async function readerXlsx(path: string): Promise<number> {
  let rows = 0;
  let cells = 0;
  for await (const batch of readXlsxRows(path, 'roster.xlsx', DEFAULT_ROSTER_LIMITS)) {
    for (const row of batch.rows) {
      for (const cell of row.cells) if (cell !== '') cells++;
      rows++;
    }
  }
  if (cells === 0) throw new Error('no cells read');
  return rows;
}

/** Same parser, options and way of taking records ('data' events) as core/rosters/csvParseWorker.ts. */
async function floorCsv(path: string): Promise<number> {
  const parser = createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(
    parse({ delimiter: ',', bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, max_record_size: 32_767 * 4 + 1024 }),
  );
  let rows = 0;
  parser.on('data', (record: string[]) => {
    if (record.length > 0) rows++;
  });
  await finished(parser);
  return rows;
}

/** The import's own splitter (core/rosters/csvSplitter.ts: papaparse's Parser) over the file in the worker's chunks, nothing else. */
async function readerCsv(path: string): Promise<number> {
  const splitter = new CsvSplitter({ fileName: 'bench.csv', delimiter: ',', newline: '\r\n', maxCellLength: DEFAULT_ROSTER_LIMITS.maxCellLength });
  let rows = 0;
  const count = (records: string[][]) => {
    for (const record of records) if (!isBlankRow(record)) rows++;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: CSV_CHUNK_BYTES })) count(splitter.push(chunk as Buffer));
  count(splitter.end());
  return rows;
}

/** The import in a fresh built core host, as the window asks for it. */
async function hostImport(path: string, dataDir: string): Promise<ChildResult> {
  const host = await forkHost(benchHostInit(dataDir), { stdio: 'inherit' });
  try {
    const pid = host.pid!;
    const startRssMb = statusMb(pid, 'VmRSS');
    const cpuStart = cpuSeconds(pid);
    const started = performance.now();
    const analysis = await host.api.roster.analyze({ path });
    if (!analysis.ok) throw new Error(`roster.analyze: ${analysis.error.message}`);
    if (analysis.value.kind !== 'staged') throw new Error(`no phone column found in ${analysis.value.headers.join(', ')}`);
    const confirmed = await host.api.roster.confirm({ id: analysis.value.roster.id });
    if (!confirmed.ok) throw new Error(`roster.confirm: ${confirmed.error.message}`);
    const seconds = (performance.now() - started) / 1000;
    const roster = confirmed.value;
    return {
      seconds,
      rows: roster.totalRows,
      validCount: roster.validCount,
      duplicateCount: roster.duplicateCount,
      invalidCount: roster.invalidCount,
      peakRssMb: statusMb(pid, 'VmHWM'),
      startRssMb,
      cpuSeconds: cpuSeconds(pid) - cpuStart,
    };
  } finally {
    await host.control('host.close', {});
    await host.closed;
  }
}

/** One measurement in this (fresh) process; prints its JSON as the last line. */
async function child(mode: string, path: string): Promise<void> {
  const startRssMb = process.memoryUsage().rss / 1e6;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let result: Omit<ChildResult, 'seconds' | 'peakRssMb' | 'startRssMb' | 'cpuSeconds'>;
  if (mode === 'floor-xlsx') result = { rows: await floorXlsx(path) };
  else if (mode === 'reader-xlsx') result = { rows: await readerXlsx(path) };
  else if (mode === 'floor-csv') result = { rows: await floorCsv(path) };
  else if (mode === 'reader-csv') result = { rows: await readerCsv(path) };
  else throw new Error(`unknown mode ${mode}`);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  // maxRSS is in kilobytes (getrusage ru_maxrss on Linux).
  const peakRssMb = (process.resourceUsage().maxRSS * 1024) / 1e6;
  console.log(JSON.stringify({ ...result, seconds, peakRssMb, startRssMb, cpuSeconds: (cpu.user + cpu.system) / 1e6 } satisfies ChildResult));
}

function runChild(mode: string, path: string): ChildResult {
  const out = execFileSync(process.execPath, [join(ROOT, 'bin/run-ts.mjs'), join(ROOT, 'bench/roster.ts'), '--child', mode, path], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult;
}

function report(label: string, file: string, floor: ChildResult, imported: ChildResult, reader?: ChildResult): void {
  const mb = (statSync(file).size / 1e6).toFixed(1);
  const line = (what: string, r: ChildResult) =>
    console.log(
      `  ${what.padEnd(8)} ${r.seconds.toFixed(2).padStart(7)} s  ${Math.round(r.rows / r.seconds).toLocaleString('en').padStart(10)} rows/s  cpu ${r.cpuSeconds.toFixed(2).padStart(6)} s  peak RSS ${r.peakRssMb.toFixed(0).padStart(4)} MB (at start ${r.startRssMb.toFixed(0)} MB)`,
    );
  console.log(`${label}: ${file} (${mb} MB)`);
  line('floor', floor);
  if (reader) line('reader', reader);
  line('import', imported);
  console.log(
    `  import/floor ${(imported.seconds / floor.seconds).toFixed(2)}x (cpu ${(imported.cpuSeconds / floor.cpuSeconds).toFixed(2)}x)${reader ? `, import/reader ${(imported.seconds / reader.seconds).toFixed(2)}x` : ''}; ${imported.rows.toLocaleString('en')} rows: ${imported.validCount?.toLocaleString('en')} numbers, ${imported.duplicateCount?.toLocaleString('en')} duplicates, ${imported.invalidCount?.toLocaleString('en')} unusable`,
  );
}

export async function main(args: string[] = []): Promise<void> {
  if (args[0] === '--child') return child(args[1]!, args[2]!);

  const work = mkdtempSync(join(tmpdir(), 'autocall-bench-roster-'));
  try {
    const xlsx = join(work, `roster-${XLSX_ROWS}.xlsx`);
    const csv = join(work, `roster-${CSV_ROWS}.csv`);
    let started = performance.now();
    await makeXlsx(xlsx, XLSX_ROWS);
    await makeCsv(csv, CSV_ROWS);
    console.log(`generated ${XLSX_ROWS.toLocaleString('en')}-row xlsx and ${CSV_ROWS.toLocaleString('en')}-row csv in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    started = performance.now();
    const xlsxFloor = runChild('floor-xlsx', xlsx);
    const xlsxReader = runChild('reader-xlsx', xlsx);
    const xlsxImport = await hostImport(xlsx, join(work, 'data-xlsx'));
    report('xlsx', xlsx, xlsxFloor, xlsxImport, xlsxReader);
    const csvFloor = runChild('floor-csv', csv);
    const csvReader = runChild('reader-csv', csv);
    const csvImport = await hostImport(csv, join(work, 'data-csv'));
    report('csv', csv, csvFloor, csvImport, csvReader);

    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const peak = Math.max(xlsxImport.peakRssMb, csvImport.peakRssMb);
    const xlsxRatio = xlsxImport.seconds / xlsxFloor.seconds;
    const csvRate = csvImport.rows / csvImport.seconds;
    const csvRatio = csvImport.seconds / csvFloor.seconds;
    console.log(
      `targets: xlsx import/floor ${xlsxRatio.toFixed(2)}x <= 1.0x ${verdict(xlsxRatio <= 1.0)}; ` +
        `csv ${Math.round(csvRate).toLocaleString('en')} rows/s >= 400,000 or import/floor ${csvRatio.toFixed(2)}x <= 1.3x ${verdict(csvRate >= 400_000 || csvRatio <= 1.3)}; ` +
        `peak RSS ${peak.toFixed(0)} MB < 250 MB ${verdict(peak < 250)}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
