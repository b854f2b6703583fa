import { app, dialog, safeStorage, utilityProcess, type UtilityProcess } from 'electron';
import { join } from 'node:path';
import { HostClient, type ParentHandlers } from '../../shared/host/client.js';
import type { FromHost, HostInit, Link, ToHost } from '../../shared/host/protocol.js';
import { superviseHost, type SupervisorOptions } from '../../shared/host/supervisor.js';

/**
 * The core runs in its own process, an Electron utilityProcess started from
 * the built out/main/coreHost.js (core/host/main.ts), so SQLite, imports and
 * the RTP clock never block the window. Main answers its few requests
 * (safeStorage, the save dialog, the login item), forwards its events, and
 * starts it again if it dies (shared/host/supervisor.ts, which the e2e
 * bridge uses too): the new core recovers as after a crash (the dialer lease
 * runs out, numbers being dialed become `uncertain`).
 */

/** safeStorage where it protects something: on Linux without a keyring ("basic_text") the 0600 key file is used instead. */
export function keychainUsable(): boolean {
  const linuxBackend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null;
  return safeStorage.isEncryptionAvailable() && linuxBackend !== 'basic_text' && linuxBackend !== 'unknown';
}

const parentHandlers: ParentHandlers = {
  'secrets.encrypt': ({ plain }) => ({ ciphertext: new Uint8Array(safeStorage.encryptString(plain)) }),
  'secrets.decrypt': ({ ciphertext }) => ({ plain: safeStorage.decryptString(Buffer.from(ciphertext)) }),
  'dialog.pickSavePath': async ({ suggestedName }) => {
    const result = await dialog.showSaveDialog({ defaultPath: suggestedName });
    return { path: result.canceled || !result.filePath ? null : result.filePath };
  },
  'app.setLoginItem': ({ enabled }) => {
    app.setLoginItemSettings({ openAtLogin: enabled });
    return null;
  },
};

function utilityLink(child: UtilityProcess): Link<ToHost, FromHost> {
  let closedListener: ((reason: string) => void) | undefined;
  child.once('exit', (code) => closedListener?.(`exit code ${code}`));
  return {
    send: (message) => child.postMessage(message),
    onMessage: (receive) => void child.on('message', (message: FromHost) => receive(message)),
    onClose: (listener) => (closedListener = listener),
    close: () => void child.kill(),
  };
}

export interface CoreHostOptions extends Omit<SupervisorOptions, 'start'> {
  init: Omit<HostInit, 'secrets' | 'savePath' | 'loginItem' | 'host'>;
}

/** Starts the core host as a utility process and keeps one running (shared/host/supervisor.ts) until stop(). */
export function runCoreHost(options: CoreHostOptions): ReturnType<typeof superviseHost> {
  return superviseHost({
    ...options,
    start: () => {
      const child = utilityProcess.fork(join(import.meta.dirname, 'coreHost.js'), [], { serviceName: 'AutoCall Scheduler core', stdio: 'inherit' });
      const init: HostInit = {
        ...options.init,
        host: 'electron',
        secrets: keychainUsable() ? 'keychain' : 'file-key',
        savePath: 'ask-parent',
        loginItem: 'ask-parent',
      };
      return new HostClient(utilityLink(child), init, parentHandlers);
    },
  });
}
