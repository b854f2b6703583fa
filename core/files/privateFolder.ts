import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Owner only: rosters hold names and phone numbers, the key file opens the credentials. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes the data folder private on Linux and macOS: the folder and every
 * folder in it 0700, every file 0600 (autocall.db and its -wal/-shm,
 * files/, logs/, the key file), for a new folder and for one an older
 * version left 0755/0644. Windows is left alone: the per-user AppData
 * folder's ACL already keeps other users out. Symbolic links are not
 * followed. Returns how many modes it changed (logged by the caller).
 */
export function makeDataFolderPrivate(dataDir: string, platform: NodeJS.Platform = process.platform): number {
  if (platform === 'win32') return 0;
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  let changed = 0;
  const visit = (path: string): void => {
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      return; // removed meanwhile (a temp file)
    }
    if (stat.isSymbolicLink()) return;
    const want = stat.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
    if ((stat.mode & 0o777) !== want) {
      try {
        chmodSync(path, want);
        changed++;
      } catch {
        // Not ours (another user's file in a shared folder): nothing we can do; the folder itself is what matters.
      }
    }
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dataDir);
  return changed;
}
