import { createHash, randomBytes } from 'node:crypto';
import type { AppErrorShape } from '../../../shared/result.js';
import { problem } from '../../errors.js';

/**
 * HTTP Digest as used by SIP (RFC 3261 §22.4, RFC 2617 §3.2, RFC 7616 for
 * SHA-256 as allowed by RFC 8760). Only qop=auth and qop absent; auth-int is
 * not offered by the gateways we target.
 */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | null;
  /** Upper-cased: "MD5", "MD5-SESS", "SHA-256", "SHA-256-SESS". */
  algorithm: string;
  qop: string[];
  stale: boolean;
}

/** auth-param list (RFC 2617 §1.2): name=token or name="quoted", comma separated. */
export function parseAuthParams(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /[\s,]/.test(text[i]!)) i++;
    const eq = text.indexOf('=', i);
    if (eq < 0) break;
    const name = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < text.length && /\s/.test(text[i]!)) i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      i++; // closing quote
    } else {
      while (i < text.length && text[i] !== ',') value += text[i++];
      value = value.trim();
    }
    if (name) params[name] = value;
  }
  return params;
}

const SUPPORTED = new Set(['MD5', 'MD5-SESS', 'SHA-256', 'SHA-256-SESS']);

/** One WWW-Authenticate / Proxy-Authenticate value; null unless it is a usable Digest challenge. */
export function parseChallenge(value: string): DigestChallenge | null {
  const match = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!match) return null;
  const p = parseAuthParams(match[1]!);
  if (p.realm === undefined || !p.nonce) return null;
  const algorithm = (p.algorithm ?? 'MD5').toUpperCase();
  if (!SUPPORTED.has(algorithm)) return null;
  const qop = (p.qop ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter(Boolean);
  // Only auth or no qop: a challenge demanding auth-int alone cannot be answered.
  if (qop.length > 0 && !qop.includes('auth')) return null;
  return { realm: p.realm, nonce: p.nonce, opaque: p.opaque ?? null, algorithm, qop, stale: (p.stale ?? '').toLowerCase() === 'true' };
}

/** RFC 8760 §2.4: prefer SHA-256 when a server offers both. */
export function pickChallenge(values: readonly string[]): DigestChallenge | null {
  const parsed = values.map(parseChallenge).filter((c): c is DigestChallenge => c !== null);
  return parsed.find((c) => c.algorithm.startsWith('SHA-256')) ?? parsed[0] ?? null;
}

export interface DigestInput {
  challenge: DigestChallenge;
  method: string;
  uri: string;
  username: string;
  password: string;
  /** Nonce count for this nonce, starting at 1 (RFC 2617 §3.2.2). */
  nc: number;
  cnonce?: string;
}

function hash(algorithm: string, text: string): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(text, 'utf8')
    .digest('hex');
}

const quote = (v: string): string => `"${v.replace(/(["\\])/g, '\\$1')}"`;

/** The Authorization / Proxy-Authorization value answering a challenge (RFC 2617 §3.2.2). */
export function digestAuthorization(input: DigestInput): string {
  const { challenge: c, method, uri, username, password } = input;
  const useQop = c.qop.includes('auth');
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const nc = input.nc.toString(16).padStart(8, '0');
  let ha1 = hash(c.algorithm, `${username}:${c.realm}:${password}`);
  if (c.algorithm.endsWith('-SESS')) ha1 = hash(c.algorithm, `${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = hash(c.algorithm, `${method}:${uri}`);
  const response = useQop
    ? hash(c.algorithm, `${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : hash(c.algorithm, `${ha1}:${c.nonce}:${ha2}`);
  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(c.realm)}`,
    `nonce=${quote(c.nonce)}`,
    `uri=${quote(uri)}`,
    `response=${quote(response)}`,
    `algorithm=${c.algorithm === 'MD5-SESS' ? 'MD5-sess' : c.algorithm === 'SHA-256-SESS' ? 'SHA-256-sess' : c.algorithm}`,
  ];
  if (c.opaque !== null) parts.push(`opaque=${quote(c.opaque)}`);
  if (useQop) parts.push('qop=auth', `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  return `Digest ${parts.join(', ')}`;
}

/**
 * The credentials of one request chain (an INVITE and its retries, or a
 * REGISTER). Decides whether a 401/407 can be answered: the first challenge
 * of a realm yes; a repeat only when stale=true (RFC 2617 §3.2.1: the
 * password was right, the nonce expired), and only once; otherwise the
 * password is wrong and the caller reports 'sip.authFailed'. One session per
 * request chain: a BYE that gets challenged starts its own.
 */
export class DigestSession {
  private readonly tried = new Map<string, { nonce: string; staleRetries: number }>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly username: string,
    private readonly password: string | undefined,
    /** When set, challenges from another realm are not answered (no hash of our password to strangers). */
    private readonly expectedRealm?: string,
  ) {}

  /**
   * Given the 401/407, returns the header to add to the retried request, or
   * the problem when it cannot (or must not) be answered.
   */
  answer(
    status: 401 | 407,
    challengeValues: readonly string[],
    method: string,
    uri: string,
  ): { ok: true; header: { name: string; value: string } } | { ok: false; problem: AppErrorShape } {
    const challenge = pickChallenge(challengeValues);
    if (!challenge) {
      return refused(problem('sip.authUnsupported'));
    }
    if (this.password === undefined || this.password === '') {
      return refused(problem('sip.passwordMissing'));
    }
    if (this.expectedRealm && challenge.realm !== this.expectedRealm) {
      return refused(
        problem('sip.wrongRealm', { realm: challenge.realm, expected: this.expectedRealm }),
      );
    }
    const previous = this.tried.get(challenge.realm);
    if (previous) {
      const canRetryStale = challenge.stale && previous.staleRetries < 1 && previous.nonce !== challenge.nonce;
      if (!canRetryStale) {
        return refused(
          problem('sip.authFailed', { realm: challenge.realm }),
        );
      }
      this.tried.set(challenge.realm, { nonce: challenge.nonce, staleRetries: previous.staleRetries + 1 });
    } else {
      this.tried.set(challenge.realm, { nonce: challenge.nonce, staleRetries: 0 });
    }
    const header = status === 401 ? 'Authorization' : 'Proxy-Authorization';
    return { ok: true, header: { name: header, value: this.authorize(challenge, method, uri) } };
  }

  private authorize(challenge: DigestChallenge, method: string, uri: string): string {
    const nc = (this.counts.get(challenge.nonce) ?? 0) + 1;
    this.counts.set(challenge.nonce, nc);
    return digestAuthorization({ challenge, method, uri, username: this.username, password: this.password ?? '', nc });
  }
}

function refused(reason: AppErrorShape): { ok: false; problem: AppErrorShape } {
  return { ok: false, problem: reason };
}
