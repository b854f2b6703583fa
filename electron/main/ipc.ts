import { ipcMain, type BrowserWindow, type WebFrameMain } from 'electron';
import { EVENTS, IPC_PREFIX, OPERATIONS } from '../../shared/contract/operations.js';
import type { Core } from '../../core/core.js';
import { isAppUrl } from './security.js';

/**
 * Registers one handler per contract operation. The sender frame must be
 * our own top-level page (VS Code's validatedIpcMain); the input is then
 * validated against the contract by core.dispatch.
 */
export function registerIpc(core: Core, devServerUrl: string | undefined): void {
  const trusted = (frame: WebFrameMain | null) => frame !== null && frame.parent === null && isAppUrl(frame.url, devServerUrl);
  for (const operation of OPERATIONS) {
    ipcMain.handle(IPC_PREFIX + operation, (event, input: unknown) => {
      if (!trusted(event.senderFrame)) {
        return { ok: false, error: { code: 'contract.untrustedSender', message: 'Request refused: it did not come from the app window.' } };
      }
      return core.dispatch(operation, input);
    });
  }
}

/** Forwards core events to the window on their own typed channels. */
export function forwardEvents(core: Core, window: BrowserWindow): () => void {
  return core.onEvent((event, payload) => {
    if (!(EVENTS as readonly string[]).includes(event) || window.isDestroyed()) return;
    window.webContents.send(`${IPC_PREFIX}event:${event}`, payload);
  });
}
