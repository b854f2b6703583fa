/**
 * SIP URIs (RFC 3261 §19.1) and name-addr / addr-spec header values
 * (§20.10, §25.1). Parsing is total: null for anything malformed.
 */
export interface SipUri {
  scheme: 'sip' | 'sips';
  user: string | null;
  host: string;
  port: number | null;
  params: Record<string, string | null>;
  /** "?a=b&c=d" part, kept raw. */
  headers: string;
}

export interface NameAddr {
  displayName: string | null;
  uri: string;
  /** Header parameters after the address (tag, expires, q...). */
  params: Record<string, string | null>;
}

/** `;a=1;b` into { a: '1', b: null }: names lower-cased, values as written. */
export function parseParams(text: string): Record<string, string | null> {
  const params: Record<string, string | null> = {};
  let start = 0;
  while (start < text.length) {
    const semi = text.indexOf(';', start);
    const end = semi < 0 ? text.length : semi;
    const eq = text.indexOf('=', start);
    if (eq >= 0 && eq < end) {
      params[text.slice(start, eq).trim().toLowerCase()] = text.slice(eq + 1, end).trim();
    } else {
      const name = text.slice(start, end).trim();
      if (name) params[name.toLowerCase()] = null;
    }
    start = end + 1;
  }
  return params;
}

export function formatParams(params: Record<string, string | null>): string {
  return Object.entries(params)
    .map(([k, v]) => (v === null ? `;${k}` : `;${k}=${v}`))
    .join('');
}

export function parseSipUri(text: string): SipUri | null {
  const match = /^(sips?):(.*)$/i.exec(text.trim());
  if (!match) return null;
  const scheme = match[1]!.toLowerCase() as 'sip' | 'sips';
  let rest = match[2]!;
  let headers = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    headers = rest.slice(q);
    rest = rest.slice(0, q);
  }
  let user: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = user.indexOf(':');
    if (colon >= 0) user = user.slice(0, colon); // a password in a URI is never kept (§19.1.1 NOT RECOMMENDED)
    if (!user) return null;
  }
  const semi = rest.indexOf(';');
  const hostport = semi >= 0 ? rest.slice(0, semi) : rest;
  const params = semi >= 0 ? parseParams(rest.slice(semi + 1)) : {};
  const hp = parseHostPort(hostport);
  if (!hp || !/^[A-Za-z0-9.\-_:[\]]+$/.test(hp.host)) return null;
  return { scheme, user, host: hp.host, port: hp.port, params, headers };
}

/**
 * hostport (RFC 3261 §25.1): a name, an IPv4 address or an IPv6 reference in
 * brackets, then an optional port 1-65535; null when malformed. Shared by
 * SIP URIs and the sent-by of a Via (§20.42).
 */
export function parseHostPort(text: string): { host: string; port: number | null } | null {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    host = text.slice(0, close + 1);
    const after = text.slice(close + 1);
    if (after) {
      if (!after.startsWith(':')) return null;
      portText = after.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    host = colon >= 0 ? text.slice(0, colon) : text;
    if (colon >= 0) portText = text.slice(colon + 1);
  }
  if (!host) return null;
  if (portText === undefined) return { host, port: null };
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  return port >= 1 && port <= 65535 ? { host, port } : null;
}

export function formatSipUri(uri: SipUri): string {
  const user = uri.user !== null ? `${uri.user}@` : '';
  const port = uri.port !== null ? `:${uri.port}` : '';
  return `${uri.scheme}:${user}${uri.host}${port}${formatParams(uri.params)}${uri.headers}`;
}

/**
 * name-addr `"Alice" <sip:a@b>;tag=1` or addr-spec `sip:a@b;tag=1`. In the
 * addr-spec form every ;param belongs to the header, not the URI (§20.10).
 */
export function parseNameAddr(text: string): NameAddr | null {
  const value = text.trim();
  if (!value) return null;
  const lt = findUnquoted(value, '<');
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    if (gt < 0) return null;
    let display = value.slice(0, lt).trim();
    if (display.startsWith('"')) {
      if (!display.endsWith('"') || display.length < 2) return null;
      display = display.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    const uri = value.slice(lt + 1, gt).trim();
    if (!uri || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) return null;
    const after = value.slice(gt + 1).trim();
    if (after && !after.startsWith(';')) return null;
    return { displayName: display || null, uri, params: parseParams(after) };
  }
  const semi = value.indexOf(';');
  const uri = semi >= 0 ? value.slice(0, semi).trim() : value;
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri)) return null;
  return { displayName: null, uri, params: semi >= 0 ? parseParams(value.slice(semi + 1)) : {} };
}

function findUnquoted(text: string, ch: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') {
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) return i;
  }
  return -1;
}

/** Display names are quoted strings (§25.1): escape backslash and quote, drop line breaks. */
export function quoteDisplayName(name: string): string {
  return `"${name.replace(/[\r\n]/g, ' ').replace(/(["\\])/g, '\\$1')}"`;
}

export function formatNameAddr(addr: NameAddr): string {
  const display = addr.displayName ? `${quoteDisplayName(addr.displayName)} ` : '';
  return `${display}<${addr.uri}>${formatParams(addr.params)}`;
}

/** The tag parameter of a From/To value (§19.3), or null. */
export function tagOf(value: string | undefined): string | null {
  if (!value) return null;
  return parseNameAddr(value)?.params.tag ?? null;
}
