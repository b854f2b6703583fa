import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * importFile's read size. Each read and write is a round trip through the
 * thread pool that the core host's thread pays for (a 47 MB roster copied in
 * 64 KiB pieces cost ~0.2 s of it, CPU profile of bench/roster.ts's import);
 * 1 MiB pieces make that ~16 times fewer.
 */
const COPY_CHUNK_BYTES = 1024 * 1024;

/**
 * Content-addressed files in the data folder (recordings, prepared audio,
 * roster sources). Every write goes to a temp file in the same folder and is
 * renamed into place, so a crash never leaves a half-written file under a
 * real name.
 */
export class BlobStore {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await mkdir(join(this.dir, '.tmp'), { recursive: true, mode: 0o700 });
  }

  path(sha256: string, ext: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256) || !/^[a-z0-9]{1,8}$/.test(ext)) {
      throw new Error(`invalid blob name ${sha256}.${ext}`);
    }
    return join(this.dir, `${sha256}.${ext}`);
  }

  tempPath(): string {
    return join(this.dir, '.tmp', `${Date.now()}-${randomBytes(6).toString('hex')}`);
  }

  async exists(sha256: string, ext: string): Promise<boolean> {
    try {
      await stat(this.path(sha256, ext));
      return true;
    } catch {
      return false;
    }
  }

  /** Writes bytes under the given hash name atomically. */
  async writeBytes(sha256: string, ext: string, data: Uint8Array): Promise<string> {
    const tmp = this.tempPath();
    const target = this.path(sha256, ext);
    try {
      // Owner only, like the whole data folder (core/files/privateFolder.ts).
      await writeFile(tmp, data, { flush: true, mode: 0o600 });
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return target;
  }

  /**
   * Copies a file in while hashing it; returns its sha256 and final path.
   * Through one buffer, reused: a stream allocates a fresh buffer per chunk,
   * garbage that the core host keeps until a collection (~30 MB while a
   * 47 MB roster was copied beside its import: bench/roster.ts's peak RSS).
   */
  async importFile(source: string, ext: string): Promise<{ sha256: string; path: string; size: number }> {
    const tmp = this.tempPath();
    const hash = createHash('sha256');
    let size = 0;
    try {
      const input = await open(source, 'r');
      try {
        // Owner only, like the whole data folder (core/files/privateFolder.ts).
        const output = await open(tmp, 'wx', 0o600);
        try {
          const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
          for (;;) {
            const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
            if (bytesRead === 0) break;
            hash.update(buffer.subarray(0, bytesRead));
            for (let written = 0; written < bytesRead; ) written += (await output.write(buffer, written, bytesRead - written)).bytesWritten;
            size += bytesRead;
          }
          await output.sync();
        } finally {
          await output.close();
        }
      } finally {
        await input.close();
      }
      const sha256 = hash.digest('hex');
      const target = this.path(sha256, ext);
      await rename(tmp, target);
      return { sha256, path: target, size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async remove(sha256: string, ext: string): Promise<void> {
    await rm(this.path(sha256, ext), { force: true });
  }

  /** Leftovers of writes interrupted by a crash. */
  async sweepTemp(): Promise<void> {
    await rm(join(this.dir, '.tmp'), { recursive: true, force: true });
    await mkdir(join(this.dir, '.tmp'), { recursive: true, mode: 0o700 });
  }
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
