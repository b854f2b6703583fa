import type { ChildProcess } from 'node:child_process';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { FromHost, Link, ToHost } from '../../shared/host/protocol.js';

/** Electron's `process.parentPort` in a utilityProcess, described here so the core never imports electron. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

/** The host's end inside an Electron utilityProcess. Electron kills the process when main goes. */
export function parentPortLink(port: ParentPortLike): Link<FromHost, ToHost> {
  return {
    send: (message) => port.postMessage(message),
    onMessage: (receive) => void port.on('message', (event) => receive(event.data as ToHost)),
    onClose: () => {},
    close: () => {},
  };
}

/** The host's end in a process started by child_process.fork (`serialization: 'advanced'`, so Uint8Arrays cross). */
export function processLink(proc: NodeJS.Process = process): Link<FromHost, ToHost> {
  return {
    send: (message) => {
      if (proc.connected) proc.send!(message);
    },
    onMessage: (receive) => void proc.on('message', (message) => receive(message as ToHost)),
    onClose: (closed) => void proc.once('disconnect', () => closed('the parent process went away')),
    close: () => proc.disconnect?.(),
  };
}

/** The parent's end of a host started by child_process.fork. */
export function childLink(child: ChildProcess): Link<ToHost, FromHost> {
  let closedListener: ((reason: string) => void) | undefined;
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    closedListener?.(reason);
  };
  child.once('exit', (code, signal) => close(signal ? `killed by ${signal}` : `exit code ${code}`));
  child.once('error', (err) => close(err.message));
  return {
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (receive) => void child.on('message', (message) => receive(message as FromHost)),
    onClose: (listener) => (closedListener = listener),
    close: () => {
      if (child.connected) child.disconnect();
    },
  };
}

function portLink<Out, In>(port: MessagePort, other: MessagePort): Link<Out, In> {
  return {
    send: (message) => port.postMessage(message),
    onMessage: (receive) => void port.on('message', (message) => receive(message as In)),
    onClose: (closed) => void port.once('close', () => closed('the in-process channel closed')),
    close: () => {
      port.close();
      other.close();
    },
  };
}

/**
 * Both ends in one process (the command line's short commands): a
 * MessageChannel, so messages are structured-cloned exactly as they are
 * between processes.
 */
export function inProcessLinks(): { parent: Link<ToHost, FromHost>; host: Link<FromHost, ToHost> } {
  const { port1, port2 } = new MessageChannel();
  return { parent: portLink<ToHost, FromHost>(port1, port2), host: portLink<FromHost, ToHost>(port2, port1) };
}
