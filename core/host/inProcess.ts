import { HostClient, type ParentHandlers } from '../../shared/host/client.js';
import type { HostInit } from '../../shared/host/protocol.js';
import { inProcessLinks } from './links.js';
import { serveHost } from './serve.js';

/**
 * The host in this process over a MessageChannel (the same messages,
 * structured-cloned): the CLI's short commands, and the CLI inside the
 * packaged app (a utilityProcess cannot fork Node). Finish with
 * `control('host.close')` then `disconnect()`.
 */
export async function inProcessHost(init: HostInit, handlers?: ParentHandlers): Promise<HostClient> {
  const links = inProcessLinks();
  const host = serveHost(links.host);
  const client = new HostClient(links.parent, init, handlers);
  try {
    await client.ready;
  } catch (err) {
    await host.close();
    client.disconnect();
    throw err;
  }
  return client;
}
