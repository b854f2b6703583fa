import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { makeMp3 } from '../../tests/support/mp3Files.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { AppError } from '../errors.js';
import { sha256Hex } from '../files/blobStore.js';
import { RecordingService } from './recordingService.js';

const FIXTURES = join(import.meta.dirname, '../../tests/fixtures/recordings');

async function refusal(work: () => Promise<unknown> | unknown): Promise<AppError> {
  let caught: unknown;
  try {
    await work();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  return caught as AppError;
}

describe('RecordingService', () => {
  const sources = makeTempDir('autocall-recording-src-');
  let promo: string;
  let longFile: string;

  beforeAll(() => {
    promo = makeMp3(sources.dir, 'Promotion Campaign - Chinese.mp3', { seconds: 3, rate: 44100, channels: 2, synth: 'sine 1000', kbps: 128 });
    // 11 minutes, made quickly: 8 kHz mono at 8 kbps (660 KB).
    longFile = makeMp3(sources.dir, 'eleven-minutes.mp3', { seconds: 660, rate: 8000, channels: 1, synth: 'sine 440', kbps: 8 });
  });
  afterAll(() => sources.cleanup());

  let tmp: ReturnType<typeof makeTempDir>;
  let t: TestContext;
  let inUse: Set<number>;
  let service: RecordingService;

  beforeEach(() => {
    tmp = makeTempDir();
    t = makeTestContext(tmp.dir);
    inUse = new Set();
    service = new RecordingService(t.ctx, { isInUse: (id) => inUse.has(id) });
  });
  afterEach(() => {
    t.close();
    tmp.cleanup();
  });

  const blobFiles = () => readdirSync(t.ctx.blobs.dir).filter((f) => f !== '.tmp');
  const rowCount = () => (t.ctx.db.prepare('SELECT COUNT(*) AS n FROM recordings').get() as { n: number }).n;

  it('adds an MP3: original kept byte for byte, both payloads written, row inserted, progress reported', async () => {
    const rec = await service.add({ path: promo });
    const sha = sha256Hex(readFileSync(promo));
    expect(rec).toMatchObject({ name: 'Promotion Campaign - Chinese', originalFileName: 'Promotion Campaign - Chinese.mp3', sizeBytes: statSync(promo).size, inUse: false });
    expect(Math.abs(rec.durationMs - 3000)).toBeLessThan(30);
    expect(blobFiles().sort()).toEqual([`${sha}.mp3`, `${sha}.pcma`, `${sha}.pcmu`]);
    expect(readFileSync(t.ctx.blobs.path(sha, 'mp3')).equals(readFileSync(promo))).toBe(true);
    const pcma = readFileSync(service.payloadPath(rec.id, 'pcma'));
    expect(Math.abs(pcma.length - (rec.durationMs * 8000) / 1000)).toBeLessThanOrEqual(1);
    expect(readFileSync(service.payloadPath(rec.id, 'pcmu')).length).toBe(pcma.length);
    const row = t.ctx.db.prepare('SELECT sha256, source_sample_rate, source_channels FROM recordings WHERE id = ?').get(rec.id);
    expect(row).toEqual({ sha256: sha, source_sample_rate: 44100, source_channels: 2 });

    const progress = t.eventsOf('recording.progress');
    expect(progress[0]).toEqual({ fileName: 'Promotion Campaign - Chinese.mp3', stage: 'checking', fraction: 0 });
    expect(progress.map((p) => p.stage)).toEqual(expect.arrayContaining(['checking', 'decoding', 'encoding', 'saving']));
    expect(progress.at(-1)).toEqual({ fileName: 'Promotion Campaign - Chinese.mp3', stage: 'saving', fraction: 1 });
  });

  it('lists, gets, renames (trimmed, 1..200 characters) and serves the original audio', async () => {
    const a = await service.add({ path: promo, name: '  January Promo  ' });
    expect(a.name).toBe('January Promo');
    expect(service.list().map((r) => r.id)).toEqual([a.id]);
    expect(service.rename(a.id, ' 一月促销 ').name).toBe('一月促销');
    expect(service.get(a.id).name).toBe('一月促销');
    expect((await refusal(() => service.rename(a.id, '   '))).code).toBe('recording.nameEmpty');
    expect((await refusal(() => service.rename(a.id, 'x'.repeat(201)))).code).toBe('recording.nameTooLong');
    expect(service.rename(a.id, 'x'.repeat(200)).name).toHaveLength(200);
    const audio = await service.audio(a.id);
    expect(audio.mime).toBe('audio/mpeg');
    expect(Buffer.from(audio.data).equals(readFileSync(promo))).toBe(true);
  });

  it('accepts the same file twice as two recordings sharing files, deleted with the last one', async () => {
    const a = await service.add({ path: promo, name: 'First' });
    const b = await service.add({ path: promo, name: 'Second' });
    expect(b.id).not.toBe(a.id);
    expect(blobFiles()).toHaveLength(3);
    await service.remove(a.id);
    expect(blobFiles()).toHaveLength(3);
    expect(existsSync(service.payloadPath(b.id, 'pcmu'))).toBe(true);
    await service.remove(b.id);
    expect(blobFiles()).toEqual([]);
    expect(service.list()).toEqual([]);
  });

  it('refuses to delete a recording an unfinished task uses, and says so in the list', async () => {
    const a = await service.add({ path: promo });
    inUse.add(a.id);
    expect(service.get(a.id).inUse).toBe(true);
    const err = await refusal(() => service.remove(a.id));
    expect(err.code).toBe('recording.inUse');
    expect(rowCount()).toBe(1);
    expect(blobFiles()).toHaveLength(3);
    expect(service.rename(a.id, 'Still renamable').name).toBe('Still renamable');
  });

  it('answers recording.notFound for an id that does not exist', async () => {
    for (const work of [() => service.get(99), () => service.rename(99, 'x'), () => service.remove(99), () => service.audio(99), () => service.payloadPath(99, 'pcma')]) {
      const err = await refusal(work);
      expect(err.code).toBe('recording.notFound');
      expect(err.params).toEqual({ id: 99 });
    }
  });

  describe('a refused file leaves no row and no files', () => {
    const cases: Array<[string, () => string, string, Record<string, unknown>?]> = [
      ['an empty file', () => join(FIXTURES, 'empty.mp3'), 'recording.empty'],
      ['a text file named .mp3', () => join(FIXTURES, 'notes-renamed.mp3'), 'recording.notMp3', { format: 'text' }],
      ['a WAV named .mp3', () => join(FIXTURES, 'greeting-wav.mp3'), 'recording.wavNotMp3'],
      ['an MP3 cut in half', () => join(FIXTURES, 'truncated-half.mp3'), 'recording.damaged', { at: '0:02' }],
      ['an 11-minute recording', () => longFile, 'recording.tooLong', { max: '10:00', duration: '11:00' }],
      [
        'a file over 50 MB (refused before it is read)',
        () => {
          const big = join(sources.dir, 'huge.mp3');
          copyFileSync(promo, big);
          truncateSync(big, 50 * 1024 * 1024 + 1);
          return big;
        },
        'recording.tooLarge',
        { maxMb: '50' },
      ],
    ];
    it.each(cases)('%s', async (_label, file, code, params) => {
      const err = await refusal(() => service.add({ path: file() }));
      expect(err.code).toBe(code);
      if (params) expect(err.params).toMatchObject(params);
      expect(err.message.length).toBeGreaterThan(40);
      expect(rowCount()).toBe(0);
      expect(blobFiles()).toEqual([]);
      expect(readdirSync(join(t.ctx.blobs.dir, '.tmp'))).toEqual([]);
    });

    it('a file that does not exist', async () => {
      expect((await refusal(() => service.add({ path: join(sources.dir, 'missing.mp3') }))).code).toBe('recording.fileUnreadable');
      expect(blobFiles()).toEqual([]);
    });

    it('a bad name, before any work', async () => {
      expect((await refusal(() => service.add({ path: promo, name: ' ' }))).code).toBe('recording.nameEmpty');
      expect(t.eventsOf('recording.progress')).toEqual([]);
      expect(blobFiles()).toEqual([]);
    });

    it('a damaged upload of a file that is already stored does not touch the stored one', async () => {
      const a = await service.add({ path: promo });
      const cut = join(sources.dir, 'cut.mp3');
      const bytes = readFileSync(promo);
      writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2) + 101));
      expect((await refusal(() => service.add({ path: cut }))).code).toBe('recording.damaged');
      expect(service.list().map((r) => r.id)).toEqual([a.id]);
      expect(blobFiles()).toHaveLength(3);
    });
  });

  it('sweeps files that no row refers to (a crash between the writes and the insert)', async () => {
    const a = await service.add({ path: promo });
    const orphan = 'b'.repeat(64);
    await t.ctx.blobs.writeBytes(orphan, 'pcma', new Uint8Array(10));
    expect(await service.sweepOrphans(0)).toBe(1);
    expect(existsSync(t.ctx.blobs.path(orphan, 'pcma'))).toBe(false);
    expect(existsSync(service.payloadPath(a.id, 'pcma'))).toBe(true);
    expect(await service.sweepOrphans()).toBe(0);
  });
});
