import { app, BrowserWindow, dialog, Notification, utilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { APP_FOLDER_NAME } from '../../shared/host/dataFolder.js';
import { runCoreHost } from './coreHost.js';
import { registerIpc, sendEvent } from './ipc.js';
import { APP_ORIGIN, registerAppScheme, serveRenderer } from './protocol.js';
import { hardenSessions } from './security.js';
import { keepAliveInTray, trayIconPath } from './tray.js';

// electron-vite sets this only in `npm run dev`; a packaged app always loads from the package.
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;

/**
 * The data folder: Electron's own appData folder (the same one the command
 * line computes without Electron, core/paths.ts) or AUTOCALL_DATA_DIR.
 */
function dataFolder(): string {
  return process.env.AUTOCALL_DATA_DIR || join(app.getPath('appData'), APP_FOLDER_NAME);
}

const cliAt = process.argv.indexOf('--cli');
if (cliAt >= 0) {
  // `AutoCall Scheduler --cli task list`: the command line of the installed app, without a window.
  void runCommandLine(process.argv.slice(cliAt + 1));
} else {
  registerAppScheme();
  // One instance per user: a second launch focuses the first window (two would both dial).
  if (!app.requestSingleInstanceLock()) {
    app.quit();
  } else {
    void start();
  }
}

/**
 * The built CLI (out/main/cli.js) in a utility process: Node without the
 * RunAsNode fuse (which stays off). It opens the core inside that process
 * and dials there for `run`; the lease keeps it from dialing beside a
 * running app.
 */
async function runCommandLine(args: string[]): Promise<void> {
  app.dock?.hide();
  await app.whenReady();
  const binding = nativeBindingPath();
  const child = utilityProcess.fork(join(import.meta.dirname, 'cli.js'), args, {
    serviceName: 'AutoCall Scheduler command line',
    stdio: 'inherit',
    env: { ...process.env, AUTOCALL_DATA_DIR: dataFolder(), ...(binding ? { AUTOCALL_NATIVE_BINDING: binding } : {}) },
  });
  child.once('exit', (code) => app.exit(code));
}

async function start(): Promise<void> {
  const dataDir = dataFolder();
  app.setPath('userData', dataDir);
  await app.whenReady();
  hardenSessions(devServerUrl);
  serveRenderer(join(import.meta.dirname, '../renderer'));

  let window: BrowserWindow | undefined;
  let tasksPending = false;
  let pendingCheck: ReturnType<typeof setTimeout> | undefined;
  const nativeBinding = nativeBindingPath();
  const host = runCoreHost({
    init: { dataDir, version: app.getVersion(), startEngine: true, ...(nativeBinding ? { nativeBinding } : {}) },
    onClient: (client) => {
      // What the tray needs to decide on close, kept current (a close handler cannot wait for an answer).
      const refresh = async () => {
        const answer = await client.control('tasks.pending', {});
        if (answer.ok) tasksPending = answer.value;
      };
      void refresh();
      client.onEvent((event, payload) => {
        sendEvent(window, event, payload);
        if (event === 'task.changed' && !pendingCheck) pendingCheck = setTimeout(() => ((pendingCheck = undefined), void refresh()), 500);
      });
    },
    onRestart: (reason) => {
      sendEvent(window, 'app.coreRestarted', { reason, at: Date.now() });
      if (Notification.isSupported()) {
        new Notification({
          title: 'AutoCall Scheduler restarted its core',
          body: 'The core process stopped and is starting again. Numbers that were being called are marked uncertain; nothing else is lost.',
        }).show();
      }
    },
    onFatal: (message) => {
      dialog.showErrorBox('AutoCall Scheduler', `The data folder ${dataDir} could not be opened:\n${message}`);
      app.exit(1);
    },
  });
  registerIpc(() => host.current(), devServerUrl);

  keepAliveInTray(() => tasksPending, () => (window && !window.isDestroyed() ? window : (window = createWindow())), trayIconPath());
  window = createWindow();
  app.on('second-instance', () => {
    if (!window || window.isDestroyed()) window = createWindow();
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) window = createWindow();
  });
  app.on('window-all-closed', () => app.quit());
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    // Let connected calls end and their results be written before the store closes.
    event.preventDefault();
    void host.stop().finally(() => {
      closed = true;
      app.quit();
    });
  });
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'AutoCall Scheduler',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return window;
}

/**
 * In a checkout, better-sqlite3 in node_modules is built for Node (the
 * tests); `npm start` builds a second copy for Electron into native/ (see
 * scripts/native-binding.mjs), which the core host and the CLI load. A
 * packaged app has electron-builder's rebuild.
 */
function nativeBindingPath(): string | undefined {
  if (app.isPackaged) return undefined;
  const candidate = join(app.getAppPath(), 'native', `electron-${process.versions.electron}`, 'better_sqlite3.node');
  return existsSync(candidate) ? candidate : undefined;
}

