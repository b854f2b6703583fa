import { canonicalHeaderName, getHeader, getHeaderList, parseCSeq, type SipHeader, type SipMessage } from './message.js';
import { parseVia } from './via.js';

export type ParseResult = { ok: true; message: SipMessage } | { ok: false; error: string };

/** Larger than any SIP message we expect (§18.1.1 talks of 1300-byte MTU concerns; INVITEs with SDP are ~1 KB). */
export const MAX_MESSAGE_BYTES = 65_535;

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

/** Where the header section ends: CRLFCRLF, or a bare LFLF from sloppy peers. */
export function findHeaderEnd(data: Buffer): { headerEnd: number; bodyStart: number } | null {
  const crlf = data.indexOf('\r\n\r\n');
  const lf = data.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf, bodyStart: lf + 2 };
  return null;
}

/**
 * Parses one SIP message (RFC 3261 §7). It never throws: anything malformed
 * or truncated yields `{ ok: false, error }` so the transport can log it and
 * drop it (§18.3: a datagram whose body is shorter than Content-Length is
 * discarded). `stream` is true when the message came framed from TCP, where
 * Content-Length is mandatory (§18.3, §20.14).
 */
export function parseMessage(input: Buffer | string, stream = false): ParseResult {
  try {
    return parseUnsafe(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, stream);
  } catch (err) {
    // Belt and braces: a bug in a helper must not take the process down.
    return { ok: false, error: `parser failure: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function parseUnsafe(data: Buffer, stream: boolean): ParseResult {
  if (data.length === 0) return { ok: false, error: 'empty message' };
  if (data.length > MAX_MESSAGE_BYTES) return { ok: false, error: `message too large (${data.length} bytes)` };
  // §7.5: implementations should ignore CRLFs before the start line (keep-alives).
  let start = 0;
  while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++;
  const rest = data.subarray(start);
  if (rest.length === 0) return { ok: false, error: 'keep-alive only' };
  const end = findHeaderEnd(rest);
  if (!end) return { ok: false, error: 'truncated: no end of headers' };
  const headText = rest.subarray(0, end.headerEnd).toString('utf8');
  const rawLines = headText.split(/\r?\n/);
  // §7.3.1: a line starting with whitespace continues the previous header (LWS folding).
  const lines: string[] = [];
  for (const line of rawLines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 1) lines[lines.length - 1] += ' ' + line.trim();
    else lines.push(line);
  }
  const startLine = lines[0] ?? '';
  const headers: SipHeader[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, error: `malformed header line ${i}` };
    const name = line.slice(0, colon).trim();
    if (!TOKEN.test(name)) return { ok: false, error: `malformed header name on line ${i}` };
    headers.push({ name: canonicalHeaderName(name), value: line.slice(colon + 1).trim() });
  }

  let message: SipMessage;
  const response = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/i.exec(startLine);
  if (response) {
    message = { kind: 'response', status: Number(response[1]), reason: response[2] ?? '', headers, body: '' };
  } else {
    const parts = startLine.split(' ');
    if (parts.length !== 3) return { ok: false, error: 'malformed start line' };
    const [method, uri, version] = parts as [string, string, string];
    if (!TOKEN.test(method) || !uri || !/^SIP\/2\.0$/i.test(version)) return { ok: false, error: 'malformed request line' };
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri)) return { ok: false, error: 'malformed Request-URI' };
    message = { kind: 'request', method: method.toUpperCase(), uri, headers, body: '' };
  }

  // §8.1.1: the mandatory headers, needed to match transactions and dialogs.
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    if (!getHeader(message, name)) return { ok: false, error: `missing ${name}` };
  }
  const cseq = parseCSeq(getHeader(message, 'CSeq'));
  if (!cseq) return { ok: false, error: 'malformed CSeq' };
  if (message.kind === 'request' && cseq.method !== message.method) return { ok: false, error: 'CSeq method differs from request method' };
  const topVia = getHeaderList(message, 'Via')[0];
  if (!topVia || !parseVia(topVia)) return { ok: false, error: 'malformed Via' };

  const bodyBytes = rest.subarray(end.bodyStart);
  const lengthText = getHeader(message, 'Content-Length');
  if (lengthText === undefined) {
    if (stream) return { ok: false, error: 'missing Content-Length on a stream transport' };
    message.body = bodyBytes.toString('utf8');
  } else {
    if (!/^\d{1,10}$/.test(lengthText)) return { ok: false, error: 'malformed Content-Length' };
    const length = Number(lengthText);
    if (length > bodyBytes.length) return { ok: false, error: 'truncated: body shorter than Content-Length' };
    // §18.3: extra bytes after Content-Length in a datagram are discarded.
    message.body = bodyBytes.subarray(0, length).toString('utf8');
  }
  return { ok: true, message };
}
