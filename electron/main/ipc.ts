import { ipcMain, type BrowserWindow, type WebFrameMain } from 'electron';
import type { HostClient } from '../../shared/host/client.js';
import { EVENTS, IPC_PREFIX, OPERATIONS, type EventName } from '../../shared/contract/operations.js';
import type { Result } from '../../shared/result.js';
import { isAppUrl } from './security.js';
import { coded } from '../../shared/messages/errorMessage.js';

const NOT_READY: Result<never> = { ok: false, error: coded('host.stopped') };

/**
 * Registers one handler per contract operation. The sender frame must be
 * our own top-level page (VS Code's validatedIpcMain); the request then goes
 * to the core host, which validates the input against the contract.
 */
export function registerIpc(host: () => HostClient | undefined, devServerUrl: string | undefined): void {
  const trusted = (frame: WebFrameMain | null) => frame !== null && frame.parent === null && isAppUrl(frame.url, devServerUrl);
  for (const operation of OPERATIONS) {
    ipcMain.handle(IPC_PREFIX + operation, (event, input: unknown) => {
      if (!trusted(event.senderFrame)) {
        return { ok: false, error: coded('contract.untrustedSender') };
      }
      return host()?.dispatch(operation, input) ?? NOT_READY;
    });
  }
}

/** Sends one contract event to the window on its own typed channel. */
export function sendEvent(window: BrowserWindow | undefined, event: EventName, payload: unknown): void {
  if (!(EVENTS as readonly string[]).includes(event) || !window || window.isDestroyed()) return;
  window.webContents.send(`${IPC_PREFIX}event:${event}`, payload);
}
