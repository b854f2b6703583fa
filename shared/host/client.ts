import type { AutocallApi } from '../contract/api.js';
import { buildApi } from '../contract/buildApi.js';
import type { EventName, OperationName } from '../contract/operations.js';
import type { AppErrorShape, Result } from '../result.js';
import type { FromHost, HostControlName, HostControls, HostInit, Link, ParentRequestName, ParentRequests, ToHost } from './protocol.js';
import { coded } from '../messages/errorMessage.js';

/** How the parent answers the host's requests (only the desktop's main has any). */
export type ParentHandlers = {
  [K in ParentRequestName]?: (input: ParentRequests[K]['input']) => ParentRequests[K]['output'] | Promise<ParentRequests[K]['output']>;
};

type EventListener = (event: EventName, payload: unknown) => void;

function errorShape(err: unknown): AppErrorShape {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err && typeof err.code === 'string' && typeof err.message === 'string') {
    return { code: err.code, message: err.message };
  }
  return coded('internal', { detail: err instanceof Error ? err.message : String(err) });
}

/**
 * The parent's side of the core host: the contract as `api` (buildApi, the
 * same typed object the renderer gets), `dispatch` for a forwarded raw
 * request (Electron's IPC), the host controls, the host's events, and the
 * answers to the host's own requests. Free of Node and Electron, so main,
 * the command line and the tests share it over their own links.
 */
export class HostClient {
  readonly api: AutocallApi;
  /** Resolves once the core is open; rejects with the host's reason when it could not open. */
  readonly ready: Promise<void>;
  /** Resolves with the reason when the link closed (the host exited or was stopped). */
  readonly closed: Promise<string>;
  private nextId = 1;
  private readonly pending = new Map<number, (result: Result<unknown>) => void>();
  private readonly listeners = new Set<EventListener>();
  private goneReason: string | null = null;
  /** The host's process id, from its ready message (in-process: this process's). */
  pid: number | undefined;

  constructor(
    private readonly link: Link<ToHost, FromHost>,
    init: HostInit,
    private readonly handlers: ParentHandlers = {},
  ) {
    let ready!: () => void;
    let failed!: (err: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject)));
    // A caller that never awaits ready still sees the failure through its requests' Results.
    this.ready.catch(() => {});
    let closed!: (reason: string) => void;
    this.closed = new Promise<string>((resolve) => (closed = resolve));
    link.onMessage((m) => {
      switch (m.t) {
        case 'ready':
          this.pid = m.pid;
          return ready();
        case 'failed':
          return failed(Object.assign(new Error(m.error.message), { code: m.error.code }));
        case 'result':
          this.pending.get(m.id)?.(m.result);
          this.pending.delete(m.id);
          return;
        case 'event':
          for (const listener of this.listeners) listener(m.event, m.payload);
          return;
        case 'ask':
          void this.answer(m.id, m.op, m.input);
          return;
      }
    });
    link.onClose((reason) => {
      this.goneReason = reason;
      failed(new Error(`The core process stopped before it was ready (${reason}).`));
      for (const settle of this.pending.values()) settle({ ok: false, error: this.goneError() });
      this.pending.clear();
      closed(reason);
    });
    link.send({ t: 'init', init });
    this.api = buildApi({
      invoke: (operation, input) => this.dispatch(operation, input),
      subscribe: (event, listener) => this.onEvent((e, payload) => e === event && listener(payload)),
      pathForFile: () => Promise.reject(new Error('pathForFile exists only in a window')),
    });
  }

  /** A contract request as it came: the host refuses an unknown operation and validates the input (main and the bridge forward what they got). */
  dispatch(op: OperationName | (string & {}), input: unknown): Promise<Result<unknown>> {
    return this.request((id) => ({ t: 'call', id, op, input }));
  }

  control<K extends HostControlName>(op: K, input: HostControls[K]['input']): Promise<Result<HostControls[K]['output']>> {
    return this.request((id) => ({ t: 'control', id, op, input })) as Promise<Result<HostControls[K]['output']>>;
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get alive(): boolean {
    return this.goneReason === null;
  }

  /** Closes the link without asking the host (it exits when its parent goes). */
  disconnect(): void {
    this.link.close();
  }

  private goneError(): AppErrorShape {
    return coded('host.stopped', { reason: this.goneReason ?? 'unknown' });
  }

  private request(message: (id: number) => ToHost): Promise<Result<unknown>> {
    if (this.goneReason !== null) return Promise.resolve({ ok: false, error: this.goneError() });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.link.send(message(id));
    });
  }

  private async answer(id: number, op: ParentRequestName, input: unknown): Promise<void> {
    const handler = this.handlers[op] as ((input: unknown) => unknown) | undefined;
    let result: Result<unknown>;
    if (!handler) {
      result = { ok: false, error: coded('host.unsupportedRequest', { op }) };
    } else {
      try {
        result = { ok: true, value: await handler(input) };
      } catch (err) {
        result = { ok: false, error: errorShape(err) };
      }
    }
    if (this.goneReason === null) this.link.send({ t: 'reply', id, result });
  }
}
