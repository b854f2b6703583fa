import { basename } from 'node:path';
import { cleanPhoneText, normalizePhone } from '../../shared/phone/normalize.js';
import type { DoNotCallEntry, DoNotCallImportIssue, DoNotCallImportResult, Page } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { int, rowMapper, text, type Row } from '../db/rows.js';
import { AppError } from '../errors.js';
import { csvRowSource } from '../rosters/csvRows.js';
import { columnNames, phoneColumnIndex } from '../rosters/rosterHeaders.js';
import { rosterErrors } from '../rosters/rosterErrors.js';
import { DEFAULT_ROSTER_LIMITS } from '../rosters/rosterLimits.js';
import type { RowSource, SheetRow } from '../rosters/sheetRows.js';
import { sniffRosterFile } from '../rosters/sniffRosterFile.js';
import { xlsxRowSource } from '../rosters/xlsxRows.js';

const NOTE_MAX = 200;
const IMPORT_ISSUES_KEPT = 100;

/** A row of `do_not_call`. */
const DNC_ENTRY = rowMapper<DoNotCallEntry>({
  id: int('id'),
  phoneE164: text('phone_e164'),
  phoneRaw: text('phone_raw'),
  note: text('note'),
  source: text('source'),
  createdAt: int('created_at'),
});

/**
 * The do-not-call list (docs/DOMAIN.md "Do-not-call list"). Numbers are kept
 * in E.164, normalised as roster numbers are (shared/phone/normalize.ts), so
 * "0812-3456-7890" on the list stops "+62 812 3456 7890" in any roster. The
 * engine reads the same table each time a number's turn comes
 * (`isListed`), so a number added while a task runs is never dialled after.
 */
export class DoNotCallService {
  constructor(private readonly ctx: CoreContext) {}

  add(phone: string, note = ''): DoNotCallEntry {
    const e164 = this.normalize(phone);
    const existing = this.ctx.db.prepare('SELECT phone_raw FROM do_not_call WHERE phone_e164 = ?').pluck().get(e164) as string | undefined;
    if (existing !== undefined) {
      throw new AppError('dnc.alreadyListed', `${e164} is already on the do-not-call list (added as "${existing}").`, { phone: e164 });
    }
    const r = this.ctx.db
      .prepare("INSERT INTO do_not_call (phone_e164, phone_raw, note, source, created_at) VALUES (?, ?, ?, 'manual', ?)")
      .run(e164, phone.trim(), note.trim().slice(0, NOTE_MAX), this.ctx.clock.now());
    this.ctx.log.info('do-not-call added', { id: Number(r.lastInsertRowid) });
    return this.get(Number(r.lastInsertRowid));
  }

  /** Removes a number, given as typed (any form that normalises to the listed E.164). */
  remove(phone: string): void {
    const e164 = this.normalize(phone);
    const removed = this.ctx.db.prepare('DELETE FROM do_not_call WHERE phone_e164 = ?').run(e164).changes;
    if (removed === 0) throw new AppError('dnc.notListed', `${e164} is not on the do-not-call list.`, { phone: e164 });
    this.ctx.log.info('do-not-call removed', { phone: e164 });
  }

  /**
   * Newest first. `search` matches digits anywhere in the number (typed in any
   * form: "0812 34" finds +6281234...) or text in the note.
   */
  list(search: string, page: number, pageSize: number): Page<DoNotCallEntry> {
    const [where, args] = searchClause(search);
    const total = (this.ctx.db.prepare(`SELECT count(*) AS n FROM do_not_call ${where}`).get(...args) as { n: number }).n;
    const rows = this.ctx.db
      .prepare(`SELECT ${DNC_ENTRY.select} FROM do_not_call ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...args, pageSize, (page - 1) * pageSize) as Row[];
    return { items: rows.map((r) => DNC_ENTRY.read(r)), total, page, pageSize };
  }

  isListed(e164: string): boolean {
    return this.ctx.db.prepare('SELECT 1 FROM do_not_call WHERE phone_e164 = ?').get(e164) !== undefined;
  }

  /** How many of a roster's numbers are on the list now (the wizard's summary). */
  countInRoster(rosterId: number): number {
    return this.ctx.db
      .prepare('SELECT count(*) FROM roster_entries e JOIN do_not_call d ON d.phone_e164 = e.phone_e164 WHERE e.roster_id = ?')
      .pluck()
      .get(rosterId) as number;
  }

  /**
   * Adds every number of an .xlsx or .csv file, read as rosters are (same
   * reader, same phone column detection, same normalisation). A file of one
   * column whose first cell is already a phone number has no header row.
   * Numbers already listed are counted, not changed; unusable rows are
   * reported with their row number and reason. All rows go in in one
   * transaction at the end: an unreadable file adds nothing.
   */
  async import(path: string, chosenColumn?: string): Promise<DoNotCallImportResult> {
    const fileName = basename(path);
    const { format, size } = await sniffRosterFile(path, fileName);
    const source: RowSource =
      format === 'csv' ? csvRowSource(path, fileName, size, DEFAULT_ROSTER_LIMITS) : xlsxRowSource(path, fileName, size, DEFAULT_ROSTER_LIMITS);
    const rows: SheetRow[] = [];
    const batches = source.batches();
    try {
      for (;;) {
        const next = await batches.next();
        if (next.done) break;
        for (const row of next.value) rows.push(row);
        if (rows.length > DEFAULT_ROSTER_LIMITS.maxRows + 1) throw rosterErrors.tooManyRows(fileName, DEFAULT_ROSTER_LIMITS.maxRows);
      }
    } finally {
      await batches.return(undefined);
    }
    const header = rows[0];
    if (!header) throw rosterErrors.empty(fileName);
    const headerless = chosenColumn === undefined && header.cells.length === 1 && normalizePhone(header.cells[0] ?? '').ok;
    const columns = headerless ? ['Phone'] : columnNames(header.cells);
    const phoneIndex = headerless ? 0 : phoneColumnIndex(columns, chosenColumn);
    if (phoneIndex === null) return { kind: 'needsPhoneColumn', headers: columns };
    const data = headerless ? rows : rows.slice(1);
    if (data.length === 0) throw rosterErrors.noDataRows(fileName, columns);

    const invalid: DoNotCallImportIssue[] = [];
    let invalidCount = 0;
    let added = 0;
    let alreadyListed = 0;
    const now = this.ctx.clock.now();
    const insert = this.ctx.db.prepare(
      'INSERT INTO do_not_call (phone_e164, phone_raw, note, source, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (phone_e164) DO NOTHING',
    );
    this.ctx.db.transaction(() => {
      for (const row of data) {
        const raw = row.cells[phoneIndex] ?? '';
        const phone = normalizePhone(raw);
        if (!phone.ok) {
          invalidCount++;
          if (invalid.length < IMPORT_ISSUES_KEPT) invalid.push({ rowNumber: row.rowNumber, phoneRaw: raw, reason: phone.reason });
          continue;
        }
        if (insert.run(phone.e164, raw.trim(), '', fileName, now).changes === 1) added++;
        else alreadyListed++;
      }
    })();
    this.ctx.log.info('do-not-call imported', { fileName, added, alreadyListed, invalidCount });
    return { kind: 'imported', fileName, phoneColumn: columns[phoneIndex]!, totalRows: data.length, added, alreadyListed, invalidCount, invalid };
  }

  private get(id: number): DoNotCallEntry {
    return DNC_ENTRY.read(this.ctx.db.prepare(`SELECT ${DNC_ENTRY.select} FROM do_not_call WHERE id = ?`).get(id) as Row);
  }

  private normalize(phone: string): string {
    const result = normalizePhone(phone);
    if (!result.ok) {
      throw new AppError('dnc.badNumber', `"${phone}" is not a phone number (${result.reason}): enter it as 0812..., 62812... or +62812....`, {
        number: phone,
        reason: result.reason,
      });
    }
    return result.e164;
  }
}

/** Digits typed in any national form are searched without their trunk 0 or 62, so both forms find the E.164. */
function searchClause(search: string): [string, unknown[]] {
  const text = search.trim();
  if (text === '') return ['', []];
  const cleaned = cleanPhoneText(text);
  const clauses = ["note LIKE ? ESCAPE '\\'"];
  const args: unknown[] = [`%${escapeLike(text)}%`];
  if (cleaned) {
    const digits = cleaned.replace(/^\+/, '').replace(/^0/, '');
    clauses.push('phone_e164 LIKE ?');
    args.push(`%${digits}%`);
  }
  return [`WHERE ${clauses.join(' OR ')}`, args];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}
