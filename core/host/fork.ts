// No import of the core here: the e2e bridge (run by Playwright's own TypeScript loader) forks the built host through this file.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HostClient, type ParentHandlers } from '../../shared/host/client.js';
import type { HostInit } from '../../shared/host/protocol.js';
import { childLink } from './links.js';

/**
 * The built host entry. Built code (out/main/cli.js, all chunks flat in
 * out/main: electron.vite.config.ts) finds it beside itself; sources (vitest,
 * the dev loader) use the checkout's build, as the app ships it.
 */
export function builtHostEntry(): string {
  const here = import.meta.dirname;
  const entry = import.meta.url.endsWith('.ts') ? resolve(here, '../../out/main/coreHost.js') : join(here, 'coreHost.js');
  if (!existsSync(entry)) throw new Error(`The core host ${entry} is not built: run \`npm run build\` first.`);
  return entry;
}

export interface ForkOptions {
  /** Defaults to builtHostEntry(). */
  entry?: string;
  handlers?: ParentHandlers;
  env?: NodeJS.ProcessEnv;
  /** Where the host's stdout and stderr go (default: this process's). */
  stdio?: 'inherit' | 'ignore';
}

/** Starts the core host as a child process; its client answers at once (requests wait for the core to open). */
export function startHost(init: HostInit, options: ForkOptions = {}): HostClient {
  const stdio = options.stdio ?? 'inherit';
  const child = fork(options.entry ?? builtHostEntry(), [], {
    // Structured clone over the pipe, as Electron's MessagePort does: Uint8Arrays cross as they are.
    serialization: 'advanced',
    stdio: ['ignore', stdio, stdio, 'ipc'],
    env: options.env ?? process.env,
    // The parent's loader flags (tsx under vitest) are not the host's: it is built JavaScript.
    execArgv: [],
  });
  const client = new HostClient(childLink(child), init, options.handlers);
  // A host that cannot open its core is of no use: it goes (its parent reads why from client.ready).
  client.ready.catch(() => child.kill());
  return client;
}

/** Starts the core host as a child process and waits until its core is open. */
export async function forkHost(init: HostInit, options: ForkOptions = {}): Promise<HostClient> {
  const client = startHost(init, options);
  await client.ready;
  return client;
}
