import { getHeaderList, knownHeaderName, parseCSeq, type CSeq, type SipHeader, type SipMessage } from './message.js';
import { parseVia, type Via } from './via.js';

/**
 * What the transaction layer routes a message by (§17.1.3, §17.2.3): read
 * once by the parser, which has to check them anyway, so that the stack does
 * not scan and parse the same headers again.
 */
export interface MessageKeys {
  callId: string;
  cseq: CSeq;
  /** The first Via value as received (before §18.2.1 received/rport are added). */
  topVia: Via;
}

/**
 * A failure keeps what was read when the start line and the mandatory
 * headers were sound and only the body framing was not (bad or missing
 * Content-Length): the stack can then tell the transaction the message was
 * meant for why it was dropped (issue 10: a dropped 200 OK must not end as a
 * silent "no answer").
 */
export type ParseResult =
  | { ok: true; message: SipMessage; keys: MessageKeys }
  | { ok: false; error: string; partial?: { message: SipMessage; keys: MessageKeys } };

/** Larger than any SIP message we expect (§18.1.1 talks of 1300-byte MTU concerns; INVITEs with SDP are ~1 KB). */
export const MAX_MESSAGE_BYTES = 65_535;

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
const STATUS_LINE = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/i;
const SIP_VERSION = /^SIP\/2\.0$/i;
const REQUEST_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const CONTENT_LENGTH = /^\d{1,10}$/;

/** §8.1.1: the mandatory headers, needed to match transactions and dialogs (checked in this order). */
const MANDATORY = ['Via', 'From', 'To', 'Call-ID', 'CSeq'] as const;
type CheckedHeader = (typeof MANDATORY)[number] | 'Content-Length';
const CHECKED: ReadonlySet<string> = new Set<CheckedHeader>([...MANDATORY, 'Content-Length']);

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

/** Header lines split on CRLF (or bare LF), with §7.3.1 folding: a line starting with whitespace continues the previous header. */
function unfoldedLines(headText: string): string[] {
  const lines: string[] = [];
  for (const raw of headText.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 1) lines[lines.length - 1] += ' ' + line.trim();
    else lines.push(line);
  }
  return lines;
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
  const lines = unfoldedLines(rest.toString('utf8', 0, end.headerEnd));
  const startLine = lines[0] ?? '';
  const headers: SipHeader[] = [];
  // The first value of each header the checks below need, gathered in the same pass.
  const first: Partial<Record<CheckedHeader, string>> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, error: `malformed header line ${i}` };
    const raw = line.slice(0, colon).trim();
    const known = knownHeaderName(raw);
    if (!known && !TOKEN.test(raw)) return { ok: false, error: `malformed header name on line ${i}` };
    const header = { name: known ?? raw, value: line.slice(colon + 1).trim() };
    headers.push(header);
    if (known && CHECKED.has(known)) first[known as CheckedHeader] ??= header.value;
  }

  let message: SipMessage;
  const response = STATUS_LINE.exec(startLine);
  if (response) {
    message = { kind: 'response', status: Number(response[1]), reason: response[2] ?? '', headers, body: '' };
  } else {
    const parts = startLine.split(' ');
    if (parts.length !== 3) return { ok: false, error: 'malformed start line' };
    const [method, uri, version] = parts as [string, string, string];
    if (!TOKEN.test(method) || !uri || !SIP_VERSION.test(version)) return { ok: false, error: 'malformed request line' };
    if (!REQUEST_URI.test(uri)) return { ok: false, error: 'malformed Request-URI' };
    message = { kind: 'request', method: method.toUpperCase(), uri, headers, body: '' };
  }

  for (const name of MANDATORY) {
    if (!first[name]) return { ok: false, error: `missing ${name}` };
  }
  const cseq = parseCSeq(first.CSeq);
  if (!cseq) return { ok: false, error: 'malformed CSeq' };
  if (message.kind === 'request' && cseq.method !== message.method) return { ok: false, error: 'CSeq method differs from request method' };
  const topViaText = getHeaderList(message, 'Via')[0];
  const topVia = topViaText ? parseVia(topViaText) : null;
  if (!topVia) return { ok: false, error: 'malformed Via' };

  const bodyBytes = rest.subarray(end.bodyStart);
  const lengthText = first['Content-Length'];
  const keys: MessageKeys = { callId: first['Call-ID']!, cseq, topVia };
  if (lengthText === undefined) {
    if (stream) return { ok: false, error: 'missing Content-Length on a stream transport', partial: { message, keys } };
    message.body = bodyBytes.toString('utf8');
  } else {
    if (!CONTENT_LENGTH.test(lengthText)) return { ok: false, error: 'malformed Content-Length', partial: { message, keys } };
    const length = Number(lengthText);
    if (length > bodyBytes.length) return { ok: false, error: 'truncated: body shorter than Content-Length', partial: { message, keys } };
    // §18.3: extra bytes after Content-Length in a datagram are discarded.
    message.body = bodyBytes.toString('utf8', 0, length);
  }
  return { ok: true, message, keys };
}
