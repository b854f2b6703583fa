import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { classifyHost, REFUSED_KINDS, type HostKind } from '../../shared/net/address.js';
import { AppError } from '../errors.js';

/**
 * Where the core may send credentials (docs/DOMAIN.md, "Where credentials
 * may go"): SMS provider requests carry API keys and passwords, so
 *
 * - link-local, cloud-metadata, unspecified and reserved addresses are
 *   refused in every spelling, by name, and after DNS resolution;
 * - https goes anywhere else (a provider, or an office gateway with TLS);
 * - plain http goes only to this computer (loopback), unless the account's
 *   explicit "Allow insecure http" setting is on: an office SMS gateway such
 *   as GoIP speaks only http on a private LAN address, so private addresses
 *   stay allowed, over http only with that setting.
 */
export interface OutboundPolicy {
  allowInsecureHttp: boolean;
}

export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemLookupAll: LookupAll = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Which error family to report in: the settings form (smsAccount.*), a send (sms.*), the SIP gateway (gateway.*). */
export type OutboundScope = 'smsAccount' | 'sms' | 'gateway';

/** The scopes whose addresses are web addresses (the SIP gateway's is not, so it has no insecureHttp). */
type HttpScope = Exclude<OutboundScope, 'gateway'>;

export function blockedAddressError(scope: OutboundScope, field: string, host: string, address: string, kind: HostKind): AppError {
  const shown = address && address !== host ? `${host} (${address})` : host;
  return new AppError(`${scope}.blockedAddress`, { field, host, address: address || host, target: shown, kind });
}

function insecureHttpError(scope: HttpScope, field: string, host: string): AppError {
  return new AppError(`${scope}.insecureHttp`, { field, host });
}

/**
 * The checks that need no DNS: the scheme, and the host when it is an IP
 * address (any spelling the URL parser normalised) or a known metadata name.
 */
export function checkOutboundUrl(url: URL, policy: OutboundPolicy, scope: HttpScope, field: string): void {
  const kind = classifyHost(url.hostname);
  if (REFUSED_KINDS.has(kind)) throw blockedAddressError(scope, field, url.hostname, '', kind);
  if (url.protocol === 'https:') return;
  if (url.protocol !== 'http:') {
    if (scope === 'sms') throw new AppError('sms.badBaseUrl', { url: url.href });
    throw new AppError('smsAccount.badUrl', { field, value: url.href });
  }
  if (kind !== 'loopback' && !policy.allowInsecureHttp) throw insecureHttpError(scope, field, url.hostname);
}

/**
 * Resolves a host and checks every address it has (a name with one bad
 * address is refused: which one a connection gets is not ours to choose).
 * Plain http without the setting needs every address to be loopback.
 * Returns the first address, the one to connect to.
 */
export async function resolveChecked(
  host: string,
  secure: boolean,
  policy: OutboundPolicy,
  scope: HttpScope,
  field: string,
  lookupAll: LookupAll = systemLookupAll,
): Promise<{ address: string; family: number }> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const literal = classifyHost(bare);
  const addresses = literal === 'name' ? await lookupAll(bare) : [{ address: bare, family: bare.includes(':') ? 6 : 4 }];
  if (addresses.length === 0) throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
  for (const { address } of addresses) {
    const kind = classifyHost(address);
    if (REFUSED_KINDS.has(kind)) throw blockedAddressError(scope, field, host, address, kind);
    if (!secure && !policy.allowInsecureHttp && kind !== 'loopback') throw insecureHttpError(scope, field, host);
  }
  return addresses[0]!;
}

/** A `lookup` for net/http that connects only to the address it checked: no second resolution that DNS rebinding could answer differently. */
export function checkedLookup(secure: boolean, policy: OutboundPolicy, scope: HttpScope, field: string, lookupAll: LookupAll): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(hostname, secure, policy, scope, field, lookupAll).then(
      ({ address, family }) => {
        if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
        else callback(null, address, family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/**
 * The HTTP client of the SMS providers: the subset of fetch they use
 * (method, headers, a string body, a signal; no redirects followed), over
 * node:http/https with checkedLookup, so the request goes to the address
 * that passed the policy, resolved once at connect time. TLS still checks
 * the certificate against the host name (SNI is the name, not the address).
 */
export function outboundFetch(policy: OutboundPolicy, lookupAll: LookupAll = systemLookupAll, field = 'base URL'): typeof fetch {
  const send = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      try {
        checkOutboundUrl(url, policy, 'sms', field);
      } catch (err) {
        reject(err);
        return;
      }
      const secure = url.protocol === 'https:';
      const headers = new Headers(init.headers);
      const body = typeof init.body === 'string' ? init.body : undefined;
      if (body !== undefined && !headers.has('content-length')) headers.set('content-length', String(Buffer.byteLength(body)));
      const request = (secure ? https : http).request(
        url,
        {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(headers),
          lookup: checkedLookup(secure, policy, 'sms', field, lookupAll),
          // A fresh connection per request: a kept-alive socket would skip the lookup and its check.
          agent: false,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('error', reject);
          response.on('end', () => {
            const out = new Headers();
            for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) out.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
            const status = response.statusCode ?? 0;
            if (status < 200 || status > 599) {
              reject(Object.assign(new Error(`unexpected HTTP status ${status}`), { code: 'HTTP_BAD_STATUS' }));
              return;
            }
            resolve(new Response(NULL_BODY_STATUS.has(status) ? null : Buffer.concat(chunks), { status, statusText: response.statusMessage ?? '', headers: out }));
          });
        },
      );
      request.on('error', (err) => reject(init.signal?.aborted ? (init.signal.reason ?? err) : err));
      request.end(body);
    });
  return send as typeof fetch;
}
