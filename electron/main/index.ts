import { app, BrowserWindow, dialog } from 'electron';
import { keepAliveInTray, trayIconPath } from './tray.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Core } from '../../core/core.js';
import { dataPaths, defaultDataDir } from '../../core/paths.js';
import { forwardEvents, registerIpc } from './ipc.js';
import { APP_ORIGIN, registerAppScheme, serveRenderer } from './protocol.js';
import { createDesktopSecretBox } from './secretBox.js';
import { hardenSessions } from './security.js';

// electron-vite sets this only in `npm run dev`; a packaged app always loads from the package.
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;

registerAppScheme();

// One instance per user: a second launch focuses the first window (two would both dial).
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

async function start(): Promise<void> {
  // The command line computes the same folder without Electron.
  const dataDir = defaultDataDir();
  app.setPath('userData', dataDir);
  await app.whenReady();
  hardenSessions(devServerUrl);
  serveRenderer(join(import.meta.dirname, '../renderer'));

  let core: Core;
  try {
    core = await Core.open({
      dataDir,
      secretBox: createDesktopSecretBox(dataPaths(dataDir).cliKey),
      host: 'electron',
      version: app.getVersion(),
      nativeBinding: nativeBindingPath(),
      pickSavePath: async (suggestedName) => {
        const result = await dialog.showSaveDialog({ defaultPath: suggestedName });
        return result.canceled || !result.filePath ? null : result.filePath;
      },
      onStartAtLoginChanged: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled }),
    });
  } catch (err) {
    dialog.showErrorBox('AutoCall Scheduler', `The data folder ${dataDir} could not be opened:\n${err instanceof Error ? err.message : String(err)}`);
    app.exit(1);
    return;
  }
  registerIpc(core, devServerUrl);
  // Scheduling and dialing run in the main process, independent of the window.
  core.startEngine();

  let window: BrowserWindow;
  keepAliveInTray(core, () => window, trayIconPath());
  window = createWindow(core);
  app.on('second-instance', () => {
    if (window.isDestroyed()) window = createWindow(core);
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) window = createWindow(core);
  });
  app.on('window-all-closed', () => app.quit());
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    // Let connected calls end and their results be written before the store closes.
    event.preventDefault();
    void core.stopEngine().finally(() => {
      closed = true;
      core.close();
      app.quit();
    });
  });
}

function createWindow(core: Core): BrowserWindow {
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
  const stopForwarding = forwardEvents(core, window);
  window.on('closed', stopForwarding);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return window;
}

/**
 * In a checkout, better-sqlite3 in node_modules is built for Node (the
 * tests); `npm start` builds a second copy for Electron into native/ (see
 * scripts/native-binding.mjs). A packaged app has electron-builder's rebuild.
 */
function nativeBindingPath(): string | undefined {
  if (app.isPackaged) return undefined;
  const candidate = join(app.getAppPath(), 'native', `electron-${process.versions.electron}`, 'better_sqlite3.node');
  return existsSync(candidate) ? candidate : undefined;
}
