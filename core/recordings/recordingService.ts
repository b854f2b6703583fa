import { withoutUnsafeCharacters } from '../../shared/validation/text.js';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Recording } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { int, rowMapper, text, type Row } from '../db/rows.js';
import { AppError } from '../errors.js';
import { applyRules } from '../rules.js';
import { recordingNameSchema } from '../../shared/recordings/recordingSchema.js';
import { Usage, type UsageOptions } from '../usage.js';
import { sha256Hex } from '../files/blobStore.js';
import { DEFAULT_LIMITS } from './prepare/checkMp3.js';
import { prepareRecording } from './prepare/prepareRecording.js';
import { recordingErrors } from './prepare/recordingErrors.js';


export type PayloadCodec = 'pcma' | 'pcmu';

/** `isInUse`/`usedBy`: an unfinished task using the recording; it may be renamed, not removed. */
export interface RecordingServiceOptions extends UsageOptions {
  maxBytes?: number;
  maxDurationMs?: number;
}

/** A row of `recordings`: the view without `inUse` (the tasks decide it), with the hash its files are named by. */
const RECORDING = rowMapper<Omit<Recording, 'inUse'> & { sha256: string }>({
  id: int('id'),
  name: text('name'),
  originalFileName: text('original_file_name'),
  sha256: text('sha256'),
  sizeBytes: int('size_bytes'),
  durationMs: int('duration_ms'),
  createdAt: int('created_at'),
});
type RecordingRow = ReturnType<typeof RECORDING.read>;

/**
 * Recording File Management: uploaded MP3s and their prepared call audio.
 *
 * Files live in the BlobStore named by the MP3's sha256: `<sha>.mp3` (the
 * original, byte for byte), `<sha>.pcma` and `<sha>.pcmu` (raw 8 kHz mono
 * G.711, what RTP sends). The same file uploaded twice gets a second row and
 * shares the files; they are deleted with the last row that uses them.
 *
 * Order of work in add(): check and prepare in memory, write the files
 * (each atomically), then insert the row. A failure before the insert
 * removes the files it wrote unless another row already owned them, so a
 * refused upload leaves nothing behind.
 */
export class RecordingService {
  private readonly usage: Usage;
  private readonly limits: { maxBytes: number; maxDurationMs: number };
  /** File writes+insert and removals of one hash must not interleave (a remove could delete files an add is about to own). */
  private fileLock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: CoreContext,
    options: RecordingServiceOptions = {},
  ) {
    this.usage = new Usage(options);
    this.limits = {
      maxBytes: options.maxBytes ?? DEFAULT_LIMITS.maxBytes,
      maxDurationMs: options.maxDurationMs ?? DEFAULT_LIMITS.maxDurationMs,
    };
  }

  async add(input: { path: string; name?: string }): Promise<Recording> {
    const fileName = basename(input.path);
    // A file name may hold control characters (Linux allows them): dropped, since the user did not type them.
    const name = applyRules(recordingNameSchema, input.name ?? withoutUnsafeCharacters(basename(fileName, extname(fileName))));
    const emit = (stage: 'checking' | 'decoding' | 'encoding' | 'saving', fraction: number) =>
      this.ctx.emit('recording.progress', { fileName, stage, fraction });

    emit('checking', 0);
    const data = await this.readSource(input.path);
    const prepared = await prepareRecording(data, {
      limits: this.limits,
      onProgress: (stage, fraction) => emit(stage, fraction),
    });

    emit('saving', 0);
    const sha256 = sha256Hex(data);
    const id = await this.exclusive(async () => {
      const owned = this.hashUsed(sha256);
      const { blobs } = this.ctx;
      try {
        // The row, the only thing that makes the files visible, comes after all three; a crash in
        // between leaves unreferenced files that sweepOrphans() deletes at the next start.
        await blobs.writeBytes(sha256, 'pcma', prepared.pcma);
        emit('saving', 0.4);
        await blobs.writeBytes(sha256, 'pcmu', prepared.pcmu);
        emit('saving', 0.7);
        await blobs.writeBytes(sha256, 'mp3', data);
        const r = this.ctx.db
          .prepare(
            `INSERT INTO recordings (name, original_file_name, sha256, size_bytes, duration_ms, source_sample_rate, source_channels, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(name, fileName, sha256, data.length, prepared.durationMs, prepared.sourceSampleRate, prepared.sourceChannels, this.ctx.clock.now());
        return Number(r.lastInsertRowid);
      } catch (err) {
        if (!owned) await this.removeFiles(sha256);
        throw err;
      }
    });
    emit('saving', 1);
    this.ctx.log.info('recording added', { id, sha256, durationMs: prepared.durationMs, sizeBytes: data.length });
    return this.get(id);
  }

  list(): Recording[] {
    const rows = this.ctx.db.prepare(`SELECT ${RECORDING.select} FROM recordings ORDER BY created_at DESC, id DESC`).all() as Row[];
    return rows.map((r) => this.toRecording(RECORDING.read(r)));
  }

  get(id: number): Recording {
    return this.toRecording(this.row(id));
  }

  rename(id: number, name: string): Recording {
    const checked = applyRules(recordingNameSchema, name);
    const r = this.ctx.db.prepare('UPDATE recordings SET name = ? WHERE id = ?').run(checked, id);
    if (r.changes === 0) throw notFound(id);
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    const row = this.row(id);
    this.usage.refuseDelete(id, {
      byTask: (task) =>
        new AppError('recording.inUseByTask', { id, name: row.name, task }),
      inUse: () =>
        new AppError('recording.inUse', { id, name: row.name }),
    });
    await this.exclusive(async () => {
      try {
        this.ctx.db.prepare('DELETE FROM recordings WHERE id = ?').run(id);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
          throw new AppError('recording.referenced', { id, name: row.name });
        }
        throw err;
      }
      if (!this.hashUsed(row.sha256)) await this.removeFiles(row.sha256);
    });
    this.ctx.log.info('recording removed', { id, sha256: row.sha256 });
  }

  /** The original MP3, for listening to it in the app. */
  async audio(id: number): Promise<{ mime: string; data: Uint8Array }> {
    const row = this.row(id);
    try {
      return { mime: 'audio/mpeg', data: new Uint8Array(await readFile(this.ctx.blobs.path(row.sha256, 'mp3'))) };
    } catch (err) {
      throw filesMissing(row, err);
    }
  }

  /** The prepared call audio (raw 8 kHz mono G.711, no header) for the negotiated codec. */
  payloadPath(id: number, codec: PayloadCodec): string {
    if (codec !== 'pcma' && codec !== 'pcmu') throw new Error(`unknown payload codec ${String(codec)}`);
    return this.ctx.blobs.path(this.row(id).sha256, codec);
  }

  /**
   * Deletes recording files no row refers to: what a crash between the file writes and the insert
   * left behind. Files younger than an hour are kept, since another process (the command line next
   * to the app) may be in the middle of an add.
   */
  async sweepOrphans(minAgeMs = 60 * 60 * 1000): Promise<number> {
    return this.exclusive(async () => {
      let removed = 0;
      const names = await readdir(this.ctx.blobs.dir).catch(() => [] as string[]);
      for (const file of names) {
        const m = /^([0-9a-f]{64})\.(mp3|pcma|pcmu)$/.exec(file);
        if (!m || this.hashUsed(m[1]!)) continue;
        const full = join(this.ctx.blobs.dir, file);
        const info = await stat(full).catch(() => null);
        if (!info || this.ctx.clock.now() - info.mtimeMs < minAgeMs) continue;
        await rm(full, { force: true });
        removed++;
      }
      return removed;
    });
  }

  private async readSource(path: string): Promise<Uint8Array> {
    let size: number;
    try {
      const s = await stat(path);
      if (!s.isFile()) throw new Error('not a file');
      size = s.size;
    } catch {
      throw new AppError('recording.fileUnreadable', {
        path,
      });
    }
    // Refused before reading, so a huge file is never loaded into memory.
    if (size === 0) throw recordingErrors.empty();
    if (size > this.limits.maxBytes) throw recordingErrors.tooLarge(size, this.limits.maxBytes);
    return new Uint8Array(await readFile(path));
  }

  private row(id: number): RecordingRow {
    const found = this.ctx.db.prepare(`SELECT ${RECORDING.select} FROM recordings WHERE id = ?`).get(id) as Row | undefined;
    const row = found && RECORDING.read(found);
    if (!row) throw notFound(id);
    return row;
  }

  private hashUsed(sha256: string): boolean {
    return this.ctx.db.prepare('SELECT 1 FROM recordings WHERE sha256 = ? LIMIT 1').get(sha256) !== undefined;
  }

  private async removeFiles(sha256: string): Promise<void> {
    const { blobs } = this.ctx;
    await Promise.all([blobs.remove(sha256, 'mp3'), blobs.remove(sha256, 'pcma'), blobs.remove(sha256, 'pcmu')]);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.fileLock.then(work, work);
    this.fileLock = run.catch(() => {});
    return run;
  }

  private toRecording(r: RecordingRow): Recording {
    const { sha256: _hash, ...recording } = r;
    return { ...recording, inUse: this.usage.isInUse(r.id) };
  }

}

function notFound(id: number): AppError {
  return new AppError('recording.notFound', { id });
}

function filesMissing(row: RecordingRow, err: unknown): AppError {
  // The OS's reason (ENOENT, EACCES) travels in params for the log; the sentence says what to do.
  const osError = (err as { code?: string }).code ?? 'unknown';
  return new AppError('recording.filesMissing', { id: row.id, name: row.name, osError });
}
