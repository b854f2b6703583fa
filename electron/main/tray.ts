import { app, Menu, Notification, nativeImage, Tray, type BrowserWindow } from 'electron';
import { join } from 'node:path';

/**
 * While tasks are scheduled or running, closing the window keeps the app
 * (and so the dialer) alive in the tray, with a notice; otherwise closing
 * quits. The tray menu brings the window back or quits for real.
 */
export function keepAliveInTray(hasWork: () => boolean, getWindow: () => BrowserWindow, iconPath: string): { quitting: () => boolean } {
  let tray: Tray | undefined;
  let quitting = false;
  let noticeShown = false;
  app.on('before-quit', () => (quitting = true));

  const ensureTray = () => {
    if (tray) return;
    tray = new Tray(nativeImage.createFromPath(iconPath));
    tray.setToolTip('AutoCall Scheduler');
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open AutoCall Scheduler', click: () => getWindow().show() },
        { type: 'separator' },
        { label: 'Quit (stops dialing)', click: () => app.quit() },
      ]),
    );
    tray.on('click', () => getWindow().show());
  };

  app.on('browser-window-created', (_e, window) => {
    window.on('close', (event) => {
      if (quitting || !hasWork()) return;
      event.preventDefault();
      ensureTray();
      window.hide();
      if (!noticeShown && Notification.isSupported()) {
        noticeShown = true;
        new Notification({
          title: 'AutoCall Scheduler is still running',
          body: 'Tasks are scheduled or running, so the app stays in the tray. Quit from the tray icon to stop dialing.',
        }).show();
      }
    });
  });
  return { quitting: () => quitting };
}

export function trayIconPath(): string {
  return app.isPackaged ? join(process.resourcesPath, 'icon.png') : join(app.getAppPath(), 'resources', 'icon.png');
}
