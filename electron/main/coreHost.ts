import { app, dialog, safeStorage, utilityProcess, type UtilityProcess } from 'electron';
import { join } from 'node:path';
import { HostClient, type ParentHandlers } from '../../shared/host/client.js';
import type { FromHost, HostInit, Link, ToHost } from '../../shared/host/protocol.js';

/**
 * The core runs in its own process, an Electron utilityProcess started from
 * the built out/main/coreHost.js (core/host/main.ts), so SQLite, imports and
 * the RTP clock never block the window. Main answers its few requests
 * (safeStorage, the save dialog, the login item), forwards its events, and
 * starts it again if it dies: the new core recovers as after a crash (the
 * dialer lease runs out, numbers being dialed become `uncertain`).
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

export interface CoreHostOptions {
  init: Omit<HostInit, 'secrets' | 'savePath' | 'loginItem' | 'host'>;
  /** Each new client, after a restart too (IPC and event forwarding follow it). */
  onClient(client: HostClient): void;
  /** The host died and is being started again: tell the user. */
  onRestart(reason: string): void;
  /** It could not open the data folder: nothing to restart. */
  onFatal(message: string): void;
}

/** Starts the core host and keeps one running until stop(). */
export function runCoreHost(options: CoreHostOptions): { current(): HostClient | undefined; stop(): Promise<void> } {
  let client: HostClient | undefined;
  let stopping = false;
  const recentRestarts: number[] = [];

  const start = () => {
    const child = utilityProcess.fork(join(import.meta.dirname, 'coreHost.js'), [], { serviceName: 'AutoCall Scheduler core', stdio: 'inherit' });
    const init: HostInit = {
      ...options.init,
      host: 'electron',
      secrets: keychainUsable() ? 'keychain' : 'file-key',
      savePath: 'ask-parent',
      loginItem: 'ask-parent',
    };
    const started = new HostClient(utilityLink(child), init, parentHandlers);
    client = started;
    started.ready.then(
      () => options.onClient(started),
      (err: Error) => {
        if (started.alive) {
          stopping = true;
          child.kill();
          options.onFatal(err.message);
        }
      },
    );
    void started.closed.then((reason) => {
      if (stopping || client !== started) return;
      // More than three deaths in a minute is not a passing fault: stop instead of looping.
      const now = Date.now();
      recentRestarts.push(now);
      while (recentRestarts[0]! < now - 60_000) recentRestarts.shift();
      if (recentRestarts.length > 3) return options.onFatal(`The core process keeps stopping (${reason}). The details are in the log file.`);
      options.onRestart(reason);
      setTimeout(start, 500);
    });
  };
  start();

  return {
    current: () => client,
    async stop() {
      stopping = true;
      const last = client;
      if (!last?.alive) return;
      // Connected calls end and their results are written before the store closes.
      await last.control('host.close', {});
      await Promise.race([last.closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      last.disconnect();
    },
  };
}
