import { cseqOf, getHeader, getHeaderLines, getHeaderList, type SipHeader, type SipRequest, type SipResponse } from './message.js';
import { parseNameAddr, parseSipUri, tagOf } from './uri.js';

/**
 * The UAC side of a dialog (RFC 3261 §12.1.2), built from our INVITE and the
 * 2xx that answered it, and the requests sent within it (§12.2.1.1).
 */
export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  private readonly localValue: string; // our From header value, with tag
  private readonly remoteValue: string; // their To header value, with tag
  remoteTarget: string;
  /** Record-Route of the 2xx in reverse order (§12.1.2). */
  readonly routeSet: string[];
  private localSeq: number;
  private remoteSeq: number | null = null;
  /** ACK for the 2xx, kept to answer each retransmitted 2xx again (§13.2.2.4). */
  ack: SipRequest | null = null;

  constructor(invite: SipRequest, response: SipResponse) {
    this.callId = getHeader(invite, 'Call-ID') ?? '';
    this.localValue = getHeader(invite, 'From') ?? '';
    this.remoteValue = getHeader(response, 'To') ?? '';
    this.localTag = tagOf(this.localValue) ?? '';
    this.remoteTag = tagOf(this.remoteValue) ?? '';
    const contact = getHeaderList(response, 'Contact')[0];
    // A 2xx without Contact breaks §12.1.2; fall back to the Request-URI rather than fail the call.
    this.remoteTarget = (contact && parseNameAddr(contact)?.uri) || invite.uri;
    this.routeSet = getHeaderList(response, 'Record-Route').reverse();
    this.localSeq = cseqOf(invite).seq;
  }

  /** Is this request or response part of this dialog (§12.2.2: Call-ID and both tags)? */
  matchesRequest(request: SipRequest): boolean {
    return (
      getHeader(request, 'Call-ID') === this.callId &&
      tagOf(getHeader(request, 'To')) === this.localTag &&
      tagOf(getHeader(request, 'From')) === this.remoteTag
    );
  }

  /** §12.2.2: a remote CSeq lower than the last one is out of order (answer 500). */
  acceptRemoteSeq(request: SipRequest): boolean {
    const seq = cseqOf(request).seq;
    if (this.remoteSeq !== null && seq < this.remoteSeq) return false;
    if (request.method !== 'ACK' && request.method !== 'CANCEL') this.remoteSeq = seq;
    return true;
  }

  /**
   * The confirmed dialog goes on with the CSeq numbers of the early dialog
   * it confirms: PRACKs sent in it used numbers already (§12.2.1.1: strictly
   * increasing within a dialog; RFC 3262 §4).
   */
  continueLocalSeq(early: Dialog): void {
    this.localSeq = Math.max(this.localSeq, early.localSeq);
  }

  /** A target refresh (§12.2.2): a re-INVITE's Contact replaces the remote target. */
  refreshTarget(request: SipRequest): void {
    const contact = getHeaderList(request, 'Contact')[0];
    const uri = contact ? parseNameAddr(contact)?.uri : undefined;
    if (uri) this.remoteTarget = uri;
  }

  /**
   * §12.2.1.1: Request-URI and Route from the route set: loose routing when
   * the first route has `lr`, else strict routing (the first route becomes
   * the Request-URI and the remote target goes last). The ACK for a 2xx
   * reuses the INVITE's CSeq number (§13.2.2.4); other requests increment it.
   */
  createRequest(method: string, via: string, extraHeaders: SipHeader[] = [], body = '', inviteSeq?: number): SipRequest {
    let uri = this.remoteTarget;
    let routes = [...this.routeSet];
    const first = routes[0];
    if (first) {
      const firstUri = parseNameAddr(first)?.uri ?? '';
      const looseRouting = parseSipUri(firstUri)?.params.lr !== undefined;
      if (!looseRouting) {
        uri = firstUri;
        routes = [...routes.slice(1), `<${this.remoteTarget}>`];
      }
    }
    const seq = method === 'ACK' ? (inviteSeq ?? this.localSeq) : ++this.localSeq;
    const headers: SipHeader[] = [
      { name: 'Via', value: via },
      ...routes.map((value) => ({ name: 'Route', value })),
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: this.localValue },
      { name: 'To', value: this.remoteValue },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${seq} ${method}` },
      ...extraHeaders,
    ];
    return { kind: 'request', method, uri, headers, body };
  }

  /** The next hop of in-dialog requests (§8.1.2): the first Route, else the Request-URI. */
  nextHopUri(request: SipRequest): string {
    const route = getHeaderLines(request, 'Route')[0];
    const first = route ? getHeaderList({ ...request, headers: [{ name: 'Route', value: route }] }, 'Route')[0] : undefined;
    return (first && parseNameAddr(first)?.uri) || request.uri;
  }

  /** §13.2.2.4: the ACK for a 2xx is its own transaction (new branch), with the INVITE's credentials. */
  buildAck(invite: SipRequest, via: string): SipRequest {
    const credentials = invite.headers.filter((h) => h.name === 'Authorization' || h.name === 'Proxy-Authorization');
    return this.createRequest('ACK', via, credentials, '', cseqOf(invite).seq);
  }
}
