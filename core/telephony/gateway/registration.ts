import type { AppErrorShape } from '../../../shared/result.js';
import { problem } from '../../errors.js';
import { DigestSession } from '../sip/digest.js';
import { newBranch, newCallId, newTag } from '../sip/ids.js';
import { getHeader, getHeaderLines, getHeaderList, type SipHeader, type SipRequest, type SipResponse } from '../sip/message.js';
import { sendNonInvite } from '../sip/nonInvite.js';
import type { SipStack, TraceSink } from '../sip/stack.js';
import type { TimerHandle } from '../sip/timers.js';
import type { Destination } from '../sip/transport.js';
import { parseNameAddr } from '../sip/uri.js';
import type { GatewayConfig } from './config.js';
import { transportProblem } from './problems.js';

export type RegisterResult =
  | { ok: true; registered: boolean; status: number; expires: number }
  | { ok: false; registered: false; status: number | null; error: AppErrorShape };

/** Requests of one REGISTER before giving up: enough for a challenge, a stale nonce and a 423 Interval Too Brief. */
const MAX_ROUNDS = 4;

/**
 * REGISTER with the gateway (RFC 3261 §10.2) for gateways that only accept
 * calls from registered users, refreshed before expiry. The same Call-ID is
 * kept for every refresh and CSeq grows (§10.2.4).
 */
export class Registration {
  private readonly callId: string;
  private readonly fromTag = newTag();
  private cseq = 0;
  private refreshTimer: TimerHandle | null = null;
  private stopped = false;
  last: RegisterResult | null = null;

  constructor(
    private readonly stack: SipStack,
    private readonly config: GatewayConfig,
    private readonly firstHop: Destination,
    private readonly domain: string,
    private readonly log: (line: string) => void,
  ) {
    this.callId = newCallId(domain);
  }

  private get aor(): string {
    return `sip:${this.config.username || this.config.callerId.user}@${this.domain}`;
  }

  /** Registers (or unregisters with expires 0), answering one digest challenge per realm. */
  async register(expires = this.config.registerExpires, trace?: TraceSink): Promise<RegisterResult> {
    const digest = new DigestSession(this.config.authUsername || this.config.username || this.config.callerId.user, this.config.password, this.config.realm);
    const requestUri = `sip:${this.domain}${this.config.port !== 5060 ? `:${this.config.port}` : ''}`;
    let auth: SipHeader[] = [];
    let wanted = expires;
    if (trace) this.stack.traceCallId(this.callId, trace);
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const request = this.build(requestUri, wanted, auth);
        const outcome = await sendNonInvite(this.stack, request, this.firstHop);
        if (outcome.kind === 'timeout') return this.failed(null, problem('sip.noResponse', { request: 'REGISTER' }));
        if (outcome.kind === 'transportError') return this.failed(null, transportProblem(outcome.error, this.firstHop, 'REGISTER'));
        const response = outcome.response;
        if (response.status === 401 || response.status === 407) {
          const header = response.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
          const answer = digest.answer(response.status, getHeaderLines(response, header), 'REGISTER', requestUri);
          if (!answer.ok) return this.failed(response.status, answer.problem);
          auth = [...auth.filter((h) => h.name !== answer.header.name), answer.header];
          continue;
        }
        if (response.status === 423) {
          // §10.2.8: Interval Too Brief, retry with the Min-Expires the registrar asks for.
          const min = Number(getHeader(response, 'Min-Expires'));
          if (Number.isInteger(min) && min > wanted) {
            wanted = min;
            continue;
          }
        }
        if (response.status >= 200 && response.status < 300) {
          const granted = expires === 0 ? 0 : this.grantedExpires(response, wanted);
          return (this.last = { ok: true, registered: expires !== 0, status: response.status, expires: granted });
        }
        return this.failed(response.status, rejected(response));
      }
      return this.failed(null, problem('sip.registerUnfinished'));
    } finally {
      if (trace) this.stack.traceCallId(this.callId, null);
    }
  }

  private failed(status: number | null, error: AppErrorShape): RegisterResult {
    return (this.last = { ok: false, registered: false, status, error });
  }

  private build(uri: string, expires: number, auth: SipHeader[]): SipRequest {
    this.cseq++;
    return {
      kind: 'request',
      method: 'REGISTER',
      uri,
      headers: [
        { name: 'Via', value: this.stack.via(newBranch()) },
        ...(this.config.outboundProxy ? [{ name: 'Route', value: `<sip:${this.config.outboundProxy.host}:${this.config.outboundProxy.port};lr>` }] : []),
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<${this.aor}>;tag=${this.fromTag}` },
        { name: 'To', value: `<${this.aor}>` },
        { name: 'Call-ID', value: this.callId },
        { name: 'CSeq', value: `${this.cseq} REGISTER` },
        { name: 'Contact', value: `<${this.stack.contactUri(this.config.callerId.user)}>` },
        { name: 'Expires', value: String(expires) },
        ...auth,
        { name: 'User-Agent', value: this.stack.userAgent },
      ],
      body: '',
    };
  }

  /** §10.2.4: the expires of our Contact in the 200, else its Expires header, else what we asked. */
  private grantedExpires(response: SipResponse, asked: number): number {
    const ours = this.stack.contactUri(this.config.callerId.user);
    for (const value of getHeaderList(response, 'Contact')) {
      const contact = parseNameAddr(value);
      if (contact && contact.uri === ours && contact.params.expires && /^\d+$/.test(contact.params.expires)) return Number(contact.params.expires);
    }
    const header = getHeader(response, 'Expires');
    return header && /^\d+$/.test(header) ? Number(header) : asked;
  }

  /** Registers now and keeps the registration fresh until stop(). */
  async start(): Promise<RegisterResult> {
    const result = await this.register();
    if (result.ok && result.registered) this.scheduleRefresh(result.expires);
    return result;
  }

  private scheduleRefresh(expires: number): void {
    if (this.stopped || expires <= 0) return;
    // Refresh well before expiry: halfway for short lifetimes, a minute early otherwise.
    const seconds = expires <= 120 ? expires / 2 : expires - 60;
    this.refreshTimer = this.stack.timers.setTimeout(() => {
      void this.register().then((result) => {
        if (result.ok) this.scheduleRefresh(result.expires);
        else {
          this.log(`sip: registration refresh failed (${result.error.message}); retrying in 30 s`);
          this.scheduleRetry();
        }
      });
    }, seconds * 1000);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.refreshTimer = this.stack.timers.setTimeout(() => {
      void this.register().then((result) => (result.ok ? this.scheduleRefresh(result.expires) : this.scheduleRetry()));
    }, 30_000);
  }

  /** Stops refreshing and removes the binding (expires 0, §10.2.2). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stack.timers.clearTimeout(this.refreshTimer);
    if (this.last?.registered) await this.register(0);
  }
}

/** A final refusal of the REGISTER (403, 404, 5xx...): its status and reason phrase say why. */
function rejected(response: SipResponse): AppErrorShape {
  return problem('sip.registerRejected', { status: response.status, reason: response.reason });
}
