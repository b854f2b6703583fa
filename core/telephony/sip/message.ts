/**
 * SIP messages as plain data (RFC 3261 §7). Header names are stored in their
 * full canonical form (compact forms expanded by the parser, §7.3.3); lookups
 * are case-insensitive (§7.3.5). The body is text: SIP bodies we handle (SDP)
 * are text, and Content-Length is recomputed in bytes by the serializer.
 */
export interface SipHeader {
  name: string;
  value: string;
}

interface MessageBase {
  headers: SipHeader[];
  body: string;
}

export interface SipRequest extends MessageBase {
  kind: 'request';
  method: string;
  uri: string;
}

export interface SipResponse extends MessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** RFC 3261 §7.3.3 compact forms (and RFC 3265/3515/4028 ones seen on the wire). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  v: 'Via',
  f: 'From',
  t: 'To',
  i: 'Call-ID',
  m: 'Contact',
  l: 'Content-Length',
  c: 'Content-Type',
  e: 'Content-Encoding',
  k: 'Supported',
  s: 'Subject',
  o: 'Event',
  r: 'Refer-To',
  u: 'Allow-Events',
  x: 'Session-Expires',
  b: 'Referred-By',
};

const CANONICAL: ReadonlyMap<string, string> = new Map(
  [
    'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Content-Length', 'Content-Type', 'Max-Forwards', 'Route',
    'Record-Route', 'WWW-Authenticate', 'Proxy-Authenticate', 'Authorization', 'Proxy-Authorization', 'Reason',
    'User-Agent', 'Server', 'Allow', 'Supported', 'Require', 'Expires', 'Min-Expires', 'Retry-After', 'Event',
    'Subject', 'Content-Encoding', 'Accept', 'Session-Expires', 'P-Asserted-Identity', 'Refer-To', 'Referred-By',
    'Allow-Events', 'Unsupported', 'Warning', 'Date', 'Timestamp', 'Organization', 'Authentication-Info', 'RSeq', 'RAck',
    'Min-SE',
  ].map((n) => [n.toLowerCase(), n]),
);

/**
 * The canonical spelling of a known header name, compact forms expanded;
 * undefined for a name we do not know (it is kept as written).
 */
export function knownHeaderName(raw: string): string | undefined {
  const lower = raw.toLowerCase();
  return (lower.length === 1 ? COMPACT_FORMS[lower] : undefined) ?? CANONICAL.get(lower);
}

/**
 * Header names compare case-insensitively (§7.3.5). Parsed and built
 * messages carry canonical names, so the exact comparison almost always
 * decides; lowercasing only runs for names of the same length.
 */
export function sameHeaderName(a: string, b: string): boolean {
  return a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase());
}

/** The first value of a header, or undefined. */
export function getHeader(msg: SipMessage, name: string): string | undefined {
  for (const h of msg.headers) if (sameHeaderName(h.name, name)) return h.value;
  return undefined;
}

/** Every header line's value for a name, in order (not split on commas). */
export function getHeaderLines(msg: SipMessage, name: string): string[] {
  const values: string[] = [];
  for (const h of msg.headers) if (sameHeaderName(h.name, name)) values.push(h.value);
  return values;
}

/**
 * Splits a comma-separated header list (§7.3.1) on commas outside quoted
 * strings and <...>, so that `<sip:a@b;x=1,2>` and `"Doe, John" <..>` stay whole.
 * Most values hold a single element: without a comma there is nothing to scan.
 */
export function splitHeaderList(value: string): string[] {
  if (!value.includes(',')) {
    const only = value.trim();
    return only ? [only] : [];
  }
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = 0;
  const push = (end: number) => {
    const element = value.slice(start, end).trim();
    if (element) out.push(element);
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++; // a quoted-pair: the next character is literal
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') angle++;
    else if (ch === '>' && angle > 0) angle--;
    else if (ch === ',' && angle === 0) {
      push(i);
      start = i + 1;
    }
  }
  push(value.length);
  return out;
}

/** All values of a list header (Via, Route, Record-Route, Contact), across lines and commas. */
export function getHeaderList(msg: SipMessage, name: string): string[] {
  const values: string[] = [];
  for (const h of msg.headers) if (sameHeaderName(h.name, name)) values.push(...splitHeaderList(h.value));
  return values;
}

export function setHeader(msg: SipMessage, name: string, value: string): void {
  const index = msg.headers.findIndex((h) => sameHeaderName(h.name, name));
  if (index >= 0) {
    msg.headers[index] = { name, value };
    msg.headers = msg.headers.filter((h, i) => i <= index || !sameHeaderName(h.name, name));
  } else {
    msg.headers.push({ name, value });
  }
}

export function removeHeader(msg: SipMessage, name: string): void {
  msg.headers = msg.headers.filter((h) => !sameHeaderName(h.name, name));
}

export interface CSeq {
  seq: number;
  method: string;
}

/** CSeq (§20.16): "4711 INVITE". The parser guarantees it is valid on parsed messages. */
export function parseCSeq(value: string | undefined): CSeq | null {
  if (!value) return null;
  const match = /^\s*(\d{1,10})\s+([A-Za-z!%*_+`'~.-]+)\s*$/.exec(value);
  if (!match) return null;
  const seq = Number(match[1]);
  if (seq > 2 ** 31 - 1) return null; // §8.1.1.5: less than 2**31
  return { seq, method: match[2]!.toUpperCase() };
}

export function cseqOf(msg: SipMessage): CSeq {
  return parseCSeq(getHeader(msg, 'CSeq')) ?? { seq: 0, method: '' };
}
