import { homedir } from 'node:os';
import { join } from 'node:path';
import { APP_FOLDER_NAME } from '../shared/host/dataFolder.js';

export { APP_FOLDER_NAME };

/**
 * The data folder the desktop app uses (Electron's userData for our product
 * name), computed without Electron so the command line finds the same one.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.AUTOCALL_DATA_DIR) return env.AUTOCALL_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_FOLDER_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_FOLDER_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_FOLDER_NAME);
}

export function dataPaths(dataDir: string) {
  return {
    database: join(dataDir, 'autocall.db'),
    files: join(dataDir, 'files'),
    log: join(dataDir, 'logs', 'autocall.log'),
    /** The command line's credential key (mode 0600); the desktop app uses safeStorage instead. */
    cliKey: join(dataDir, 'cli-secret.key'),
  };
}
