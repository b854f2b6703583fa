import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildApi } from '../../shared/contract/buildApi.js';
import { IPC_PREFIX } from '../../shared/contract/operations.js';

/**
 * Exposes `window.autocall`: one named function per contract operation,
 * never ipcRenderer itself (Electron security checklist; Bitwarden's preload).
 */
contextBridge.exposeInMainWorld(
  'autocall',
  buildApi({
    invoke: (operation, input) => ipcRenderer.invoke(IPC_PREFIX + operation, input),
    subscribe: (event, listener) => {
      const channel = `${IPC_PREFIX}event:${event}`;
      const handler = (_e: Electron.IpcRendererEvent, payload: unknown) => listener(payload);
      ipcRenderer.on(channel, handler);
      return () => ipcRenderer.removeListener(channel, handler);
    },
    // Electron 32+ no longer gives File.path; webUtils is the supported way.
    pathForFile: async (file) => webUtils.getPathForFile(file),
  }),
);
