import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyHost, REFUSED_KINDS } from '../../../shared/net/address.js';
import { AppError } from '../../errors.js';
import { blockedAddressError } from '../../net/outbound.js';
import type { Destination } from '../sip/transport.js';
import { parseSipUri } from '../sip/uri.js';

/**
 * Host name to IP (A/AAAA via the system resolver). RFC 3263 NAPTR/SRV is not
 * done: gateways in an office are configured by IP or plain name and port.
 */
export async function resolveHost(host: string): Promise<string> {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  let address: string;
  if (isIP(bare)) address = bare;
  else {
    // A metadata name or an odd IPv4 spelling ("2852039166") is refused before it reaches the resolver.
    const named = classifyHost(bare);
    if (REFUSED_KINDS.has(named)) throw blockedAddressError('gateway', 'gateway host', host, '', named);
    try {
      address = (await lookup(bare)).address;
    } catch {
      throw new AppError('gateway.unresolvable', { host });
    }
  }
  // Link-local and cloud-metadata addresses never get our SIP credentials (docs/DOMAIN.md, "Where credentials may go").
  // The address returned here is the one the transport sends to, so no second resolution can differ from it.
  const kind = classifyHost(address);
  if (REFUSED_KINDS.has(kind)) throw blockedAddressError('gateway', 'gateway host', host, address, kind);
  return address;
}

/** Where to send a request for a SIP URI (§8.1.2 with RFC 3263 reduced to A records; port 5060 by default). */
export async function destinationOfUri(uri: string): Promise<Destination | null> {
  const parsed = parseSipUri(uri);
  if (!parsed) return null;
  const maddr = parsed.params.maddr;
  try {
    return { host: await resolveHost(maddr ?? parsed.host), port: parsed.port ?? 5060 };
  } catch {
    return null;
  }
}

/** The local address the OS would use to reach `remote` (a connected UDP socket sends nothing). */
export function localAddressFor(remote: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createSocket(isIP(remote) === 6 ? 'udp6' : 'udp4');
    socket.on('error', () => {
      socket.close();
      resolve(isIP(remote) === 6 ? '::1' : '127.0.0.1');
    });
    socket.connect(9, remote, () => {
      const address = socket.address().address;
      socket.close();
      resolve(address);
    });
  });
}
