import type { Result } from '../result.js';
import type { AutocallApi } from './api.js';
import { EVENTS, OPERATIONS, type EventName, type OperationName } from './operations.js';

export interface ApiTransport {
  invoke(operation: OperationName, input: unknown): Promise<Result<unknown>>;
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
  pathForFile(file: File): Promise<string>;
}

/**
 * Builds `window.autocall` from the operation list: one named function per
 * operation, grouped by feature. The preload (over ipcRenderer.invoke) and
 * the end-to-end bridge client (over loopback HTTP) both use it, so the
 * renderer sees the same object in the app and in tests.
 */
export function buildApi(transport: ApiTransport): AutocallApi {
  const api: Record<string, unknown> = {};
  for (const operation of OPERATIONS) {
    const dot = operation.indexOf('.');
    const feature = operation.slice(0, dot);
    const name = operation.slice(dot + 1);
    const group = (api[feature] ??= {}) as Record<string, unknown>;
    group[name] = (input: unknown) => transport.invoke(operation, input ?? {});
  }
  api.subscribe = (event: EventName, listener: (payload: unknown) => void) => {
    if (!(EVENTS as readonly string[]).includes(event)) throw new Error(`unknown event ${String(event)}`);
    return transport.subscribe(event, listener);
  };
  api.pathForFile = (file: File) => transport.pathForFile(file);
  return api as unknown as AutocallApi;
}
