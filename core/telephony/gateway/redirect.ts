import { errorParamNames } from '../../../shared/messages/errorCatalog.js';
import type { AppErrorShape } from '../../../shared/result.js';
import { problem } from '../../errors.js';
import { getHeaderList, type SipResponse } from '../sip/message.js';
import { formatSipUri, parseNameAddr, parseSipUri } from '../sip/uri.js';

/** RFC 3261 §8.1.3.4 leaves the limit to the UAC; three hops cover a PBX forward plus number portability (issue 10). */
export const MAX_REDIRECTS = 3;

/** Why a 3xx was not followed: the key of `errorParams.redirect.<why>` in the renderer. */
export type RedirectRefusal = 'noContact' | 'tooManyHops' | 'loop' | 'otherTransport' | 'notSip';

export type RedirectChoice = { ok: true; target: string; contact: string } | { ok: false; why: RedirectRefusal; contact: string };

/**
 * The Request-URI to try after a 3xx (§8.1.3.4): the Contacts in order of
 * their q-value (highest first, §20.10; absent = 1), skipping any we cannot
 * place: not a `sip:` URI (no TLS for `sips:`, no `tel:` routing), a
 * `transport=` other than the one the gateway is set to (one transport per
 * gateway, Settings > Gateway), or a target already tried (a loop, §8.1.3.4
 * "the client SHOULD NOT ... the same URI"). The URI is copied whole except
 * its `method` parameter and `?headers` (§8.1.3.4, §19.1.5).
 */
export function chooseRedirectTarget(response: SipResponse, tried: readonly string[], hops: number, transport: 'udp' | 'tcp'): RedirectChoice {
  const contacts = getHeaderList(response, 'Contact')
    .map((value, index) => ({ value, index, addr: parseNameAddr(value) }))
    .filter((c) => c.addr !== null)
    .map((c) => ({ ...c, q: qValue(c.addr!.params.q) }))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const first = contacts[0];
  if (!first) return { ok: false, why: 'noContact', contact: getHeaderList(response, 'Contact')[0] ?? '' };
  if (hops >= MAX_REDIRECTS) return { ok: false, why: 'tooManyHops', contact: first.addr!.uri };
  let refusal: { why: RedirectRefusal; contact: string } | null = null;
  for (const c of contacts) {
    const uri = parseSipUri(c.addr!.uri);
    const why: RedirectRefusal | null = !uri || uri.scheme !== 'sip' ? 'notSip' : (uri.params.transport ?? transport).toLowerCase() !== transport ? 'otherTransport' : null;
    if (why || !uri) {
      refusal ??= { why: why ?? 'notSip', contact: c.addr!.uri };
      continue;
    }
    const { method: _method, ...params } = uri.params;
    const target = formatSipUri({ ...uri, params, headers: '' });
    if (tried.some((t) => sameTarget(t, target))) {
      refusal ??= { why: 'loop', contact: c.addr!.uri };
      continue;
    }
    return { ok: true, target, contact: c.addr!.uri };
  }
  return { ok: false, ...refusal! };
}

function qValue(raw: string | null | undefined): number {
  const q = raw === undefined || raw === null ? 1 : Number(raw);
  return Number.isFinite(q) ? q : 0;
}

/** §19.1.4, reduced: scheme and host compare case-insensitively, the user part exactly, a missing port is 5060. */
function sameTarget(a: string, b: string): boolean {
  const x = parseSipUri(a);
  const y = parseSipUri(b);
  if (!x || !y) return a === b;
  return x.scheme === y.scheme && x.user === y.user && x.host.toLowerCase() === y.host.toLowerCase() && (x.port ?? 5060) === (y.port ?? 5060);
}

/** Every reason has its English name in the catalog (errorParams.redirect), which the sentence of `sip.redirected` shows. */
errorParamNames.redirect satisfies Record<RedirectRefusal | 'unresolvable', string>;

/** The coded problem of a 3xx that was not followed, with the Contact it named (issue 10). */
export function redirectProblem(response: SipResponse, contact: string, why: RedirectRefusal | 'unresolvable'): AppErrorShape {
  return problem('sip.redirected', { status: response.status, contact, redirect: why });
}
