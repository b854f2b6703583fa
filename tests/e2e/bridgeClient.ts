/**
 * The browser side of the test bridge: builds `window.autocall` with the
 * same buildApi the Electron preload uses, over loopback HTTP instead of
 * IPC. Bundled for the browser by bridgeServer.ts and loaded by a classic
 * <script> before the app's module script, so the object exists when the
 * app starts. TESTS ONLY: never part of the packaged app.
 */
import type { AutocallApi } from '../../shared/contract/api.js';
import { buildApi } from '../../shared/contract/buildApi.js';
import { EVENTS, type EventName } from '../../shared/contract/operations.js';
import type { Result } from '../../shared/result.js';

const script = document.currentScript as HTMLScriptElement | null;
const token = script ? (new URL(script.src).searchParams.get('token') ?? '') : '';

/** Uint8Array values (recording.audio) cross JSON as {"$bytes": base64}. */
function revive(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const bytes = (value as { $bytes?: unknown }).$bytes;
    if (keys.length === 1 && typeof bytes === 'string') {
      const binary = atob(bytes);
      const out = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
      return out;
    }
  }
  return value;
}

const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
const source = new EventSource(`./events?token=${encodeURIComponent(token)}`);
for (const event of EVENTS) {
  source.addEventListener(event, (message) => {
    const payload = JSON.parse((message as MessageEvent<string>).data, revive) as unknown;
    for (const listener of listeners.get(event) ?? []) listener(payload);
  });
}
// Progress events of an operation must not be lost because the stream was still connecting.
const eventsReady = new Promise<void>((resolve) => {
  source.addEventListener('open', () => resolve(), { once: true });
  setTimeout(resolve, 3000);
});

async function post(path: string, body: BodyInit, headers: Record<string, string>): Promise<unknown> {
  const response = await fetch(path, { method: 'POST', body, headers: { 'x-bridge-token': token, ...headers } });
  const text = await response.text();
  if (!text.startsWith('{')) throw new Error(`bridge answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text, revive) as unknown;
}

(window as unknown as { autocall: AutocallApi }).autocall = buildApi({
  async invoke(operation, input) {
    await eventsReady;
    return (await post(`./rpc/${operation}`, JSON.stringify(input ?? {}), { 'content-type': 'application/json' })) as Result<unknown>;
  },
  subscribe(event, listener) {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
  // The core reads files by path: the bridge stores the bytes in a temp folder and answers where.
  async pathForFile(file) {
    const answer = (await post('./upload', file, {
      'content-type': 'application/octet-stream',
      'x-file-name': encodeURIComponent(file.name),
    })) as { path?: string; error?: string };
    if (!answer.path) throw new Error(answer.error ?? 'upload failed');
    return answer.path;
  },
});
