/**
 * SDP offer/answer for one G.711 audio stream (RFC 3264, RFC 4566), with
 * sdp-transform doing the line grammar. Everything that reads a peer's SDP
 * throws only AppError: the text came from the network.
 */
import { isIP } from 'node:net';
import { randomInt } from 'node:crypto';
import * as sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { AppError } from '../../errors.js';
import type { G711Codec } from './types.js';

/** RFC 3551 table 4: the static payload types of G.711. */
export const STATIC_PAYLOAD_TYPE: Record<G711Codec, number> = { PCMU: 0, PCMA: 8 };
/** Our dynamic payload type for RFC 4733 telephone-event in the offer. */
export const OUR_TELEPHONE_EVENT_PT = 101;

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface PeerFormat {
  payloadType: number;
  /** Upper-case encoding name, e.g. PCMA, PCMU, TELEPHONE-EVENT, or '' if unknown. */
  encoding: string;
  clockRate: number;
}

export interface PeerAudio {
  /** Index of this m= line in the peer's SDP (an answer must keep the m= lines in order, RFC 3264 §6). */
  index: number;
  address: string;
  port: number;
  protocol: string;
  /** The direction as the peer wrote it (media level, else session level, else sendrecv). */
  direction: Direction;
  formats: PeerFormat[];
  telephoneEventPayloadType: number | null;
  /** a=ptime as written (media level, else session level), null when absent (RFC 4566 §6). */
  ptime: number | string | null;
  /** a=maxptime as written, null when absent (RFC 4566 §6). */
  maxptime: number | string | null;
}

/** The packet period we send with, and why it is not the one asked for (null when it is). */
export interface PacketPeriod {
  ptimeMs: number;
  ignored: { asked: string; reason: string } | null;
}

/** G.711 packet periods we send: whole multiples of 10 ms from 10 to 60 (RFC 3551 §4.5.14 recommends 20). */
export const MIN_PTIME_MS = 10;
export const MAX_PTIME_MS = 60;
export const DEFAULT_PTIME = 20;

/**
 * The packetiser's period from the peer's a=ptime (RFC 4566 §6: the media
 * time one packet should carry; RFC 3264 §5.1: it applies to what the
 * receiver of that SDP sends). 10-60 ms in steps of 10 is honoured; anything
 * else falls back to 20 ms, with the reason for the call's problems. An
 * a=maxptime below the period caps it.
 */
export function packetPeriod(audio: Pick<PeerAudio, 'ptime' | 'maxptime'>): PacketPeriod {
  const asked = audio.ptime;
  let ptimeMs = DEFAULT_PTIME;
  let ignored: PacketPeriod['ignored'] = null;
  if (asked !== null) {
    const n = typeof asked === 'number' ? asked : Number.NaN;
    if (!Number.isFinite(n) || String(asked).trim() === '') ignored = { asked: String(asked), reason: 'not a number' };
    else if (n < MIN_PTIME_MS || n > MAX_PTIME_MS) ignored = { asked: String(asked), reason: `outside ${MIN_PTIME_MS}-${MAX_PTIME_MS} ms` };
    else if (!Number.isInteger(n) || n % 10 !== 0) ignored = { asked: String(asked), reason: 'not a multiple of 10 ms' };
    else ptimeMs = n;
  }
  const max = typeof audio.maxptime === 'number' ? audio.maxptime : Number.NaN;
  if (Number.isFinite(max) && max >= MIN_PTIME_MS && max < ptimeMs) ptimeMs = Math.floor(max / 10) * 10;
  return { ptimeMs, ignored };
}

export interface PeerSdp {
  session: SessionDescription;
  audio: PeerAudio;
}

export interface CodecChoice {
  codec: G711Codec;
  payloadType: number;
}

function badSdp(reason: string): AppError {
  return new AppError('media.badSdp', { reason });
}

/**
 * Reads the first audio stream of a peer's SDP. `index` picks an m= line (an
 * answer's line 0 answers our single offered line); without it, the first
 * audio line is used (a re-offer may also carry video).
 */
export function parsePeerSdp(text: string, index?: number): PeerSdp {
  if (typeof text !== 'string' || !/^\s*v=0/.test(text)) throw badSdp('it does not start with v=0');
  let session: SessionDescription;
  try {
    session = sdpTransform.parse(text);
  } catch {
    throw badSdp('it could not be parsed');
  }
  const media = Array.isArray(session.media) ? session.media : [];
  if (media.length === 0) throw badSdp('it has no media line');
  const at = index ?? media.findIndex((m) => m.type === 'audio');
  const m = media[at];
  if (!m || m.type !== 'audio') throw rejected('no audio stream was accepted');
  if (typeof m.port !== 'number' || !Number.isInteger(m.port) || m.port < 0 || m.port > 65535) throw badSdp('the audio port is missing or invalid');
  const connection = m.connection ?? session.connection;
  const address = connection?.ip?.split('/')[0] ?? '';
  if (m.port === 0) {
    // RFC 3264 §6: port 0 means the stream is rejected.
    throw rejected('the audio stream was refused (port 0)');
  }
  if (!address || isIP(address) === 0) {
    throw new AppError('media.badAddress', { address });
  }
  const protocol = String(m.protocol ?? '');
  if (!/^RTP\/AVPF?$/i.test(protocol)) {
    throw new AppError('media.unsupportedTransport', { protocol });
  }
  const rtpmap = new Map<number, { codec: string; rate: number }>();
  for (const r of Array.isArray(m.rtp) ? m.rtp : []) {
    if (typeof r.payload === 'number') rtpmap.set(r.payload, { codec: String(r.codec ?? '').toUpperCase(), rate: Number(r.rate ?? 0) });
  }
  const formats: PeerFormat[] = [];
  for (const token of String(m.payloads ?? '').trim().split(/\s+/)) {
    if (!/^\d{1,3}$/.test(token)) continue;
    const payloadType = Number(token);
    if (payloadType > 127) continue;
    const mapped = rtpmap.get(payloadType);
    if (mapped) formats.push({ payloadType, encoding: mapped.codec, clockRate: mapped.rate });
    else if (payloadType === 0) formats.push({ payloadType, encoding: 'PCMU', clockRate: 8000 });
    else if (payloadType === 8) formats.push({ payloadType, encoding: 'PCMA', clockRate: 8000 });
    else formats.push({ payloadType, encoding: '', clockRate: 0 });
  }
  const te = formats.find((f) => f.encoding === 'TELEPHONE-EVENT' && f.clockRate === 8000);
  let direction = (m.direction ?? session.direction ?? 'sendrecv') as Direction;
  // RFC 3264 §8.4: c=0.0.0.0 is the RFC 2543 way to put a call on hold.
  if (address === '0.0.0.0') direction = 'inactive';
  return {
    session,
    audio: {
      index: at,
      address,
      port: m.port,
      protocol,
      direction,
      formats,
      telephoneEventPayloadType: te ? te.payloadType : null,
      ptime: attributeValue(m.ptime ?? (session as { ptime?: number | string }).ptime),
      maxptime: attributeValue(m.maxptime ?? (session as { maxptime?: number | string }).maxptime),
    },
  };
}

/** sdp-transform gives a number, or '' for a value that is not one (a=ptime:abc). */
function attributeValue(value: unknown): number | string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'number' ? value : String(value);
}

function rejected(reason: string): AppError {
  return new AppError('media.rejected', { reason });
}

/**
 * The codec to use: the first format in the peer's m= line order that is one
 * of ours (RFC 3264 §6.1: an answer lists the formats in its preference order;
 * for a re-offer we answer in the offerer's order too).
 */
export function chooseCodec(audio: PeerAudio, ours: readonly G711Codec[]): CodecChoice {
  for (const f of audio.formats) {
    if (f.clockRate !== 8000) continue;
    if ((f.encoding === 'PCMA' || f.encoding === 'PCMU') && ours.includes(f.encoding)) return { codec: f.encoding, payloadType: f.payloadType };
  }
  const offered = audio.formats.map((f) => f.encoding || String(f.payloadType)).join(', ') || 'none';
  throw new AppError('media.noCommonCodec', { offered, ours: ours.join(', ') });
}

/** RFC 3264 §6.1: the answer's direction mirrors the offer's. */
export function answerDirection(offered: Direction): Direction {
  if (offered === 'sendonly') return 'recvonly';
  if (offered === 'recvonly') return 'sendonly';
  return offered;
}

/** Whether we may send RTP given the direction the peer declared (RFC 3264 §5.1). */
export function peerAcceptsMedia(peerDirection: Direction): boolean {
  return peerDirection === 'sendrecv' || peerDirection === 'recvonly';
}

/** The start of every description sdp-transform writes; our o= line goes right after it. */
const VERSION_LINE = 'v=0\r\n';

/**
 * Our offer is the same text on every call but for the m= port and the o=
 * line, and sdp-transform's writer walks its whole grammar for every line
 * (two writes cost ~45 µs a call): it writes the offer once per address and
 * codec list, around the port, and each call puts its own port in between.
 */
const offerTemplates = new Map<string, { beforePort: string; afterPort: string }>();

function offerTemplate(address: string, codecs: readonly G711Codec[]): { beforePort: string; afterPort: string } {
  const key = `${address} ${codecs.join(' ')}`;
  let template = offerTemplates.get(key);
  if (!template) {
    const pts = codecs.map((c) => STATIC_PAYLOAD_TYPE[c]);
    // Port 0 marks the place of the port; no offer goes out with it.
    const text = writeWithoutOrigin(address, [audioLine(0, pts.map((pt, i) => ({ payload: pt, codec: codecs[i]! })), OUR_TELEPHONE_EVENT_PT, 'sendrecv')]);
    const at = text.indexOf('m=audio 0 ') + 'm=audio '.length;
    template = { beforePort: text.slice(0, at), afterPort: text.slice(at + 1) };
    offerTemplates.set(key, template);
  }
  return template;
}

function ipVersion(address: string): 4 | 6 {
  return isIP(address) === 6 ? 6 : 4;
}

/** A description without its o= line, which LocalDescription adds with the right version. */
function writeWithoutOrigin(address: string, media: MediaDescription[]): string {
  const ipVer = ipVersion(address);
  const text = sdpTransform.write({
    version: 0,
    origin: { username: 'autocall', sessionId: 0, sessionVersion: 0, netType: 'IN', ipVer, address },
    name: 'AutoCall',
    connection: { version: ipVer, ip: address },
    timing: { start: 0, stop: 0 },
    media,
  });
  // v= and o= are always the first two lines (RFC 4566 §5 order).
  return VERSION_LINE + text.slice(text.indexOf('\r\n', VERSION_LINE.length) + 2);
}

function audioLine(port: number, codecs: { payload: number; codec: G711Codec }[], tePt: number | null, direction: Direction): MediaDescription {
  const rtp: MediaDescription['rtp'] = codecs.map((c) => ({ payload: c.payload, codec: c.codec, rate: 8000 }));
  const fmtp: MediaDescription['fmtp'] = [];
  const payloads = codecs.map((c) => c.payload);
  if (tePt !== null) {
    rtp.push({ payload: tePt, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: tePt, config: '0-16' });
    payloads.push(tePt);
  }
  return { type: 'audio', port, protocol: 'RTP/AVP', payloads: payloads.join(' '), rtp, fmtp, ptime: 20, direction };
}

/**
 * Our side of the session: one o= line whose version goes up by one each
 * time the description changes (RFC 3264 §8: a new offer or answer in the
 * same session keeps the o= line but increments the version; an unchanged
 * description may repeat the same version).
 */
export class LocalDescription {
  private readonly sessionId = String(randomInt(1, 2 ** 31));
  private version = 1;
  /** The last description sent, without its o= line. */
  private lastBody: string | null = null;

  constructor(
    private readonly address: string,
    private readonly port: number,
  ) {}

  /** Our offer: the codecs in preference order, then telephone-event (RFC 4733 §7.1.1). */
  offer(codecs: readonly G711Codec[]): string {
    const { beforePort, afterPort } = offerTemplate(this.address, codecs);
    return this.withOrigin(beforePort + this.port + afterPort);
  }

  /** Our answer to a peer's offer: one answer line per offered line, the others refused with port 0. */
  answer(peer: PeerSdp, choice: CodecChoice, direction: Direction): string {
    const lines: MediaDescription[] = peer.session.media.map((m, i) => {
      if (i === peer.audio.index) {
        return audioLine(this.port, [{ payload: choice.payloadType, codec: choice.codec }], peer.audio.telephoneEventPayloadType, direction);
      }
      const first = String(m.payloads ?? '').trim().split(/\s+/)[0] || '0';
      return { type: String(m.type ?? 'audio'), port: 0, protocol: String(m.protocol ?? 'RTP/AVP'), payloads: first, rtp: [], fmtp: [] };
    });
    return this.withOrigin(writeWithoutOrigin(this.address, lines));
  }

  /** Adds the o= line (RFC 4566 §5.2) after v=, with a new version when the rest differs from the last description. */
  private withOrigin(body: string): string {
    if (this.lastBody !== null && body !== this.lastBody) this.version += 1;
    this.lastBody = body;
    const origin = `o=autocall ${this.sessionId} ${this.version} IN IP${ipVersion(this.address)} ${this.address}\r\n`;
    return VERSION_LINE + origin + body.slice(VERSION_LINE.length);
  }
}
