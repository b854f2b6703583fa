import { withoutUnsafeCharacters } from '../../shared/validation/text.js';
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { normalizePhone } from '../../shared/phone/normalize.js';
import { basename } from 'node:path';
import type { Page, Roster, RosterAnalysis, RosterFlags, RosterEntry, RosterIssue, RosterIssueKind, RosterStatus } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { int, json, oneOf, rowMapper, text, type Row } from '../db/rows.js';
import { csvRowSource } from './csvRows.js';
import type { RosterCounts } from './preparedRows.js';
import { rosterErrors } from './rosterErrors.js';
import { rosterFlags } from './rosterFlags.js';
import { DEFAULT_ROSTER_LIMITS, type RosterLimits } from './rosterLimits.js';
import { RosterWriter } from './rosterWriter.js';
import type { RowSource } from './sheetRows.js';
import { sniffRosterFile } from './sniffRosterFile.js';
import { xlsxRowSource } from './xlsxRows.js';

export const ROSTER_NAME_MAX = 200;
/** Long work shows progress, at most ~10 times a second (the window redraws no faster). */
const PROGRESS_INTERVAL_MS = 100;
/** A staged roster this old was left by a crash, or by an import preview nobody confirmed. */
const STAGED_MAX_AGE_MS = 60 * 60 * 1000;
const SAMPLE_SIZE = 20;
const ISSUES_SIZE = 100;

export interface RosterServiceOptions {
  /** True while an unfinished task uses the roster: it may not be removed. */
  isInUse?: (rosterId: number) => boolean;
  /** The name of an unfinished task using it, for the refusal to name (null when none). */
  usedBy?: (rosterId: number) => string | null;
  limits?: Partial<RosterLimits>;
}

interface IssueRow {
  row_number: number;
  phone_raw: string;
  kind: RosterIssueKind;
  reason: string;
  /** The row a duplicate repeats; NULL for unusable numbers and for duplicates imported before migration 0010. */
  duplicate_of: number | null;
}

/** A row of `rosters` (the view without `inUse`, which the tasks decide). */
const ROSTER = rowMapper<Omit<Roster, 'inUse'>>({
  id: int('id'),
  name: text('name'),
  sourceFileName: text('source_file_name'),
  phoneColumn: text('phone_column'),
  columns: json<string[]>('columns'),
  status: oneOf<RosterStatus>('status'),
  totalRows: int('total_rows'),
  validCount: int('valid_count'),
  duplicateCount: int('duplicate_count'),
  invalidCount: int('invalid_count'),
  createdAt: int('created_at'),
});
type RosterRow = ReturnType<typeof ROSTER.read>;

/** A row of `roster_entries`: one usable number with the roster's other columns. */
const ROSTER_ENTRY = rowMapper<RosterEntry>({
  rowNumber: int('row_number'),
  phoneE164: text('phone_e164'),
  phoneRaw: text('phone_raw'),
  variables: json<Record<string, string>>('variables'),
});

/**
 * Call Roster: imports of .xlsx and .csv files into numbers to call.
 *
 * analyze() streams the file into a roster with status 'staged': the user
 * sees the counts, a sample and the unusable rows, then confirm() makes it
 * 'ready' (only ready rosters are listed and can be chosen for a task) or
 * discard() deletes it. A failure during the import deletes what it wrote,
 * and a crash leaves only a staged roster, which sweepStaged() deletes at
 * the next start. The source file is kept in the BlobStore named by its
 * sha256 (`<sha>.xlsx` / `<sha>.csv`), shared by rosters imported from the
 * same file and deleted with the last of them.
 */
export class RosterService {
  private readonly isInUse: (rosterId: number) => boolean;
  private readonly usedBy: (rosterId: number) => string | null;
  private readonly limits: RosterLimits;

  constructor(
    private readonly ctx: CoreContext,
    options: RosterServiceOptions = {},
  ) {
    this.isInUse = options.isInUse ?? (() => false);
    this.usedBy = options.usedBy ?? (() => null);
    this.limits = { ...DEFAULT_ROSTER_LIMITS, ...options.limits };
  }

  async analyze(input: { path: string; name?: string; phoneColumn?: string }): Promise<RosterAnalysis> {
    const fileName = basename(input.path);
    const { format, size } = await sniffRosterFile(input.path, fileName);
    const source: RowSource =
      format === 'csv' ? csvRowSource(input.path, fileName, size, this.limits) : xlsxRowSource(input.path, fileName, size, this.limits);
    const reads = source.prepared({ fileName, limits: this.limits, phoneColumn: input.phoneColumn });
    let rosterId: number | null = null;
    let copy: Promise<{ sha256: string }> | null = null;
    try {
      const first = await reads.next();
      // The reader refuses a file without a header; it sends the header before any prepared row.
      if (first.done || !('header' in first.value)) throw rosterErrors.empty(fileName);
      const { columns, phoneIndex } = first.value.header;
      if (phoneIndex === null) return { kind: 'needsPhoneColumn', headers: columns };

      const name = rosterName(input.name, fileName);
      rosterId = this.insertStaged(name, fileName, columns[phoneIndex]!, columns);
      // The copy into the BlobStore runs while the rows are parsed: disk and CPU overlap.
      copy = this.ctx.blobs.importFile(input.path, format);
      copy.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
      const writer = new RosterWriter(this.ctx.db, rosterId);
      let counts: RosterCounts = { totalRows: 0, validCount: 0, duplicateCount: 0, invalidCount: 0 };
      const progress = this.progressReporter(fileName, source, () => counts.totalRows);
      // One batch per turn of the event loop (core/workers/messages.ts): the core host answers requests between them.
      for await (const read of reads) {
        if (!('prepared' in read)) continue;
        writer.write(read.prepared);
        counts = read.prepared.counts;
        progress(false);
      }
      progress(true);
      if (counts.totalRows === 0) throw rosterErrors.noDataRows(fileName, columns);

      const { sha256 } = await copy;
      const { totalRows, validCount, duplicateCount, invalidCount } = counts;
      const updated = this.ctx.db
        .prepare(
          `UPDATE rosters SET source_sha256 = ?, total_rows = ?, valid_count = ?, duplicate_count = ?, invalid_count = ?
           WHERE id = ? AND status = 'staged'`,
        )
        .run(sha256, totalRows, validCount, duplicateCount, invalidCount, rosterId);
      if (updated.changes === 0) throw rosterErrors.notFound(rosterId);
      this.ctx.log.info('roster staged', { id: rosterId, format, totalRows, validCount, duplicateCount, invalidCount });
      return {
        kind: 'staged',
        roster: this.get(rosterId),
        sample: this.entries(rosterId, 1, SAMPLE_SIZE).items,
        issues: this.issues(rosterId, 1, ISSUES_SIZE).items,
      };
    } catch (err) {
      if (rosterId !== null) this.deleteRoster(rosterId);
      if (copy !== null) {
        // The copy may still be running: wait for it, then remove it unless another roster owns the same file.
        const copied = await copy.catch(() => null);
        if (copied && !this.sourceOwned(copied.sha256)) this.removeSourceFiles(copied.sha256);
      }
      throw err;
    } finally {
      await reads.return(undefined);
    }
  }

  confirm(id: number): Roster {
    const row = this.row(id);
    if (row.status === 'ready') return this.toRoster(row);
    if (row.validCount === 0) throw rosterErrors.noValidRows(row.name, row.invalidCount, row.duplicateCount);
    this.ctx.db.prepare("UPDATE rosters SET status = 'ready' WHERE id = ? AND status = 'staged'").run(id);
    this.ctx.log.info('roster confirmed', { id });
    return this.get(id);
  }

  discard(id: number): void {
    const row = this.row(id);
    if (row.status !== 'staged') throw rosterErrors.notStaged(id);
    this.deleteRoster(id);
  }

  /** Ready rosters, newest first; staged ones are imports not yet confirmed. */
  list(): Roster[] {
    const rows = this.ctx.db.prepare(`SELECT ${ROSTER.select} FROM rosters WHERE status = 'ready' ORDER BY created_at DESC, id DESC`).all() as Row[];
    return rows.map((r) => this.toRoster(ROSTER.read(r)));
  }

  get(id: number): Roster {
    return this.toRoster(this.row(id));
  }

  /** One usable row by its row number in the file (the wizard's test SMS is filled from it); null when that row was not usable. */
  entryAt(id: number, rowNumber: number): RosterEntry | null {
    const r = this.ctx.db.prepare(`SELECT ${ROSTER_ENTRY.select} FROM roster_entries WHERE roster_id = ? AND row_number = ?`).get(id, rowNumber) as Row | undefined;
    return r ? ROSTER_ENTRY.read(r) : null;
  }

  entries(id: number, page: number, pageSize: number): Page<RosterEntry> {
    const roster = this.row(id);
    const rows = this.ctx.db
      .prepare(`SELECT ${ROSTER_ENTRY.select} FROM roster_entries WHERE roster_id = ? ORDER BY row_number LIMIT ? OFFSET ?`)
      .all(id, pageSize, offset(page, pageSize)) as Row[];
    return {
      items: rows.map((r) => ROSTER_ENTRY.read(r)),
      total: roster.validCount,
      page,
      pageSize,
    };
  }

  issues(id: number, page: number, pageSize: number): Page<RosterIssue> {
    const roster = this.row(id);
    const rows = this.ctx.db
      .prepare('SELECT row_number, phone_raw, kind, reason, duplicate_of FROM roster_issues WHERE roster_id = ? ORDER BY row_number LIMIT ? OFFSET ?')
      .all(id, pageSize, offset(page, pageSize)) as IssueRow[];
    const kept = this.keptRows(id, rows);
    return {
      items: rows.map((r) => {
        const issue: RosterIssue = { rowNumber: r.row_number, phoneRaw: r.phone_raw, kind: r.kind, reason: r.reason };
        const first = r.kind === 'duplicate' ? (r.duplicate_of ?? kept.get(r.phone_raw)) : undefined;
        if (first !== undefined) issue.duplicateOfRow = first;
        return issue;
      }),
      total: roster.invalidCount + roster.duplicateCount,
      page,
      pageSize,
    };
  }

  /**
   * The row each duplicate repeats, for duplicates imported before migration
   * 0010 recorded it (the first row with the number is the entry kept).
   * Entries have no index by number (migration 0005), so this is one pass
   * over the roster's entries, and only when such a duplicate is asked for.
   */
  private keptRows(id: number, issues: readonly IssueRow[]): Map<string, number> {
    const byE164 = new Map<string, string[]>();
    for (const issue of issues) {
      if (issue.kind !== 'duplicate' || issue.duplicate_of !== null) continue;
      const phone = normalizePhone(issue.phone_raw);
      if (phone.ok) byE164.set(phone.e164, [...(byE164.get(phone.e164) ?? []), issue.phone_raw]);
    }
    const kept = new Map<string, number>();
    if (byE164.size === 0) return kept;
    const numbers = [...byE164.keys()];
    const rows = this.ctx.db
      .prepare(`SELECT phone_e164, row_number FROM roster_entries WHERE roster_id = ? AND phone_e164 IN (${numbers.map(() => '?').join(', ')})`)
      .all(id, ...numbers) as { phone_e164: string; row_number: number }[];
    for (const row of rows) for (const raw of byE164.get(row.phone_e164) ?? []) kept.set(raw, row.row_number);
    return kept;
  }

  /** A roster's usable numbers that are landlines (no SMS) or foreign (rosterFlags.ts). */
  flags(id: number): RosterFlags {
    this.row(id);
    return rosterFlags(this.ctx.db, id);
  }

  /** The unusable rows as CSV (row, phone as read, problem, the row it repeats), for the user to fix in the source file. */
  async writeIssuesCsv(id: number, path: string): Promise<number> {
    const roster = this.row(id);
    const rows = this.ctx.db
      .prepare('SELECT row_number, phone_raw, kind, reason, duplicate_of FROM roster_issues WHERE roster_id = ? ORDER BY row_number')
      .all(id) as IssueRow[];
    const kept = this.keptRows(id, rows);
    const lines = [['row', roster.phoneColumn, 'problem', 'repeats row'].map(csvCell).join(',')];
    for (const r of rows) {
      const repeats = r.kind === 'duplicate' ? (r.duplicate_of ?? kept.get(r.phone_raw) ?? '') : '';
      lines.push([r.row_number, r.phone_raw, r.reason, repeats].map(csvCell).join(','));
    }
    // A BOM so that Excel opens the UTF-8 file with its Chinese or accented text intact.
    await writeFile(path, '\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');
    return rows.length;
  }

  remove(id: number): void {
    const row = this.row(id);
    const task = this.usedBy(id);
    if (task !== null) throw rosterErrors.inUseByTask(row.name, task);
    if (this.isInUse(id)) throw rosterErrors.inUse(row.name);
    this.deleteRoster(id);
    this.ctx.log.info('roster removed', { id });
  }

  /**
   * Deletes staged rosters older than `minAgeMs` (an hour by default):
   * imports cut short by a crash, and previews never confirmed. Called at
   * startup; the age keeps a second process (the command line starting while
   * the desktop app imports) from deleting an import that is still running.
   */
  sweepStaged(minAgeMs: number = STAGED_MAX_AGE_MS): number {
    const before = this.ctx.clock.now() - minAgeMs;
    const ids = this.ctx.db.prepare("SELECT id FROM rosters WHERE status = 'staged' AND created_at <= ?").pluck().all(before) as number[];
    for (const id of ids) this.deleteRoster(id);
    if (ids.length > 0) this.ctx.log.info('staged rosters swept', { count: ids.length });
    return ids.length;
  }

  private insertStaged(name: string, fileName: string, phoneColumn: string, columns: string[]): number {
    const r = this.ctx.db
      .prepare(
        `INSERT INTO rosters (name, source_file_name, source_sha256, phone_column, columns, status, created_at)
         VALUES (?, ?, NULL, ?, ?, 'staged', ?)`,
      )
      .run(name, fileName, phoneColumn, JSON.stringify(columns), this.ctx.clock.now());
    return Number(r.lastInsertRowid);
  }

  /** Deletes the roster (its entries and issues by ON DELETE CASCADE) and its source file if no other roster shares it. */
  private deleteRoster(id: number): void {
    const { db } = this.ctx;
    const sha256 = db.transaction(() => {
      const row = db.prepare('SELECT source_sha256, source_file_name FROM rosters WHERE id = ?').get(id) as
        | { source_sha256: string | null; source_file_name: string }
        | undefined;
      db.prepare('DELETE FROM rosters WHERE id = ?').run(id);
      if (!row?.source_sha256) return null;
      return this.sourceOwned(row.source_sha256) ? null : row.source_sha256;
    })();
    if (sha256 !== null) this.removeSourceFiles(sha256);
  }

  /** Both extensions: a file renamed from .csv to .xlsx (or back) and imported again has the same hash. */
  private removeSourceFiles(sha256: string): void {
    for (const ext of ['csv', 'xlsx']) rmSync(this.ctx.blobs.path(sha256, ext), { force: true });
  }

  private sourceOwned(sha256: string): boolean {
    return this.ctx.db.prepare('SELECT 1 FROM rosters WHERE source_sha256 = ? LIMIT 1').get(sha256) !== undefined;
  }

  private progressReporter(fileName: string, source: RowSource, rowsRead: () => number): (final: boolean) => void {
    let last = -Infinity;
    return (final) => {
      const now = performance.now();
      if (!final && now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      this.ctx.emit('roster.importProgress', {
        fileName,
        bytesRead: final ? source.totalBytes : Math.min(source.bytesRead(), source.totalBytes),
        totalBytes: source.totalBytes,
        rowsRead: rowsRead(),
      });
    };
  }

  private row(id: number): RosterRow {
    const row = this.ctx.db.prepare(`SELECT ${ROSTER.select} FROM rosters WHERE id = ?`).get(id) as Row | undefined;
    if (!row) throw rosterErrors.notFound(id);
    return ROSTER.read(row);
  }

  private toRoster(r: RosterRow): Roster {
    return { ...r, inUse: this.isInUse(r.id) };
  }
}

function rosterName(given: string | undefined, fileName: string): string {
  // A typed name was checked by the contract (shared/validation/text.ts); a file name may hold anything Linux allows.
  const name = withoutUnsafeCharacters((given ?? '').trim() || fileName).trim() || 'Roster';
  return name.length > ROSTER_NAME_MAX ? name.slice(0, ROSTER_NAME_MAX) : name;
}

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so that a spreadsheet does not run it as a formula. */
function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = "'" + text;
  return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

function offset(page: number, pageSize: number): number {
  return (Math.max(1, Math.floor(page)) - 1) * Math.max(1, Math.floor(pageSize));
}
