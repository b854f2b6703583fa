import { cseqOf, getHeader, getHeaderLines, getHeaderList, type SipRequest, type SipResponse } from './message.js';
import { parseVia } from './via.js';
import type { SipTimerValues, TimerHandle, Timers } from './timers.js';
import type { Destination } from './transport.js';

/** What a client transaction reports to its transaction user (the call flow, REGISTER, OPTIONS). */
export interface ClientTransactionUser {
  /** Provisional and final responses; for INVITE also every retransmitted 2xx (RFC 6026 §7.1 Accepted state). */
  onResponse(response: SipResponse): void;
  /** Timer B (INVITE, §17.1.1.2) or Timer F (non-INVITE, §17.1.2.2) fired: no final response. */
  onTimeout(): void;
  /** §17.1.4: a transport failure is reported like a 503. */
  onTransportError(error: Error): void;
  /**
   * A response that carried this transaction's branch but was not taken:
   * unreadable framing (§18.3) or a Call-ID / tag that is not the request's
   * (§8.1.3.3, §17.1.3). Told so the call can say why it got no answer.
   */
  onDropped?(response: SipResponse, reason: string): void;
}

/** What a transaction needs from the stack that owns it. */
export interface TransactionHost {
  readonly timers: Timers;
  readonly timerValues: SipTimerValues;
  readonly reliable: boolean;
  send(message: SipRequest, to: Destination): Promise<void>;
  terminated(key: string): void;
}

/** §17.1.3: a response matches the client transaction with its top Via branch and CSeq method. */
export function clientTransactionKey(branch: string, method: string): string {
  return `${branch}|${method.toUpperCase()}`;
}

export function topViaBranch(message: SipRequest | SipResponse): string | null {
  const top = getHeaderList(message, 'Via')[0];
  return (top && parseVia(top)?.params.branch) || null;
}

/**
 * What both client transactions share (§17.1): the key responses are matched
 * by, sending with a transport failure ending the transaction and reported
 * to its user (§17.1.4), dropped responses passed on, and termination with
 * every timer cleared.
 */
abstract class ClientTransactionBase<State extends string, Timer extends string> {
  readonly key: string;
  protected abstract state: State | 'terminated';
  /** The timers armed, by their RFC 3261 letter; all are cleared when the transaction terminates. */
  private readonly armed = new Map<Timer, TimerHandle>();

  constructor(
    protected readonly host: TransactionHost,
    readonly request: SipRequest,
    readonly destination: Destination,
    protected readonly user: ClientTransactionUser,
  ) {
    this.key = clientTransactionKey(topViaBranch(request) ?? '', request.method);
  }

  get currentState(): State | 'terminated' {
    return this.state;
  }

  protected arm(timer: Timer, ms: number, fire: () => void): void {
    this.disarm(timer);
    this.armed.set(timer, this.host.timers.setTimeout(fire, ms));
  }

  protected disarm(...timers: Timer[]): void {
    for (const timer of timers) {
      this.host.timers.clearTimeout(this.armed.get(timer));
      this.armed.delete(timer);
    }
  }

  protected transmit(message: SipRequest): void {
    this.host.send(message, this.destination).catch((err: Error) => {
      if (this.state === 'terminated') return;
      this.terminate();
      this.user.onTransportError(err);
    });
  }

  /** A response for this branch that the stack refused (see ClientTransactionUser.onDropped). */
  dropped(response: SipResponse, reason: string): void {
    if (this.state !== 'terminated') this.user.onDropped?.(response, reason);
  }

  /** Ends the transaction at once (transport error, stack shutdown). */
  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.disarm(...this.armed.keys());
    this.host.terminated(this.key);
  }
}

/** INVITE client transaction, RFC 3261 §17.1.1 with the RFC 6026 Accepted state. */
export class InviteClientTransaction extends ClientTransactionBase<'calling' | 'proceeding' | 'accepted' | 'completed', 'A' | 'B' | 'D' | 'M'> {
  protected state: 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated' = 'calling';
  private ack: SipRequest | null = null;

  start(): void {
    this.transmit(this.request);
    const { t1 } = this.host.timerValues;
    // §17.1.1.2: Timer A only on unreliable transports, doubling each time.
    if (!this.host.reliable) this.scheduleA(t1);
    this.arm('B', 64 * t1, () => {
      if (this.state !== 'calling') return;
      this.terminate();
      this.user.onTimeout();
    });
  }

  private scheduleA(interval: number): void {
    this.arm('A', interval, () => {
      if (this.state !== 'calling') return;
      this.transmit(this.request);
      this.scheduleA(interval * 2);
    });
  }

  receive(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          this.state = 'proceeding';
          this.disarm('A');
          this.user.onResponse(response);
        } else if (status < 300) {
          // RFC 6026 §7.1: stay to pass 2xx retransmissions up to the dialog, which re-ACKs them.
          this.state = 'accepted';
          this.disarm('A', 'B');
          this.arm('M', 64 * this.host.timerValues.t1, () => this.terminate());
          this.user.onResponse(response);
        } else {
          this.state = 'completed';
          this.disarm('A', 'B');
          this.ack = buildNon2xxAck(this.request, response);
          this.transmit(this.ack);
          // Timer D: at least 32 s on UDP to absorb retransmitted finals, zero on TCP (§17.1.1.2).
          this.arm('D', this.host.reliable ? 0 : 32_000, () => this.terminate());
          this.user.onResponse(response);
        }
        break;
      case 'accepted':
        if (status >= 200 && status < 300) this.user.onResponse(response);
        break;
      case 'completed':
        // A retransmitted final response: our ACK was lost, send it again, do not tell the TU.
        if (status >= 300 && this.ack) this.transmit(this.ack);
        break;
      default:
        break;
    }
  }
}

/**
 * §17.1.1.3: the ACK for a non-2xx final response belongs to the transaction:
 * same Request-URI, Call-ID, From, CSeq number and the top Via (so the same
 * branch); To from the response (with its tag); the Route headers of the INVITE.
 */
export function buildNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = [
    { name: 'Via', value: getHeaderList(invite, 'Via')[0] ?? '' },
    ...getHeaderLines(invite, 'Route').map((value) => ({ name: 'Route', value })),
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: getHeader(invite, 'From') ?? '' },
    { name: 'To', value: getHeader(response, 'To') ?? getHeader(invite, 'To') ?? '' },
    { name: 'Call-ID', value: getHeader(invite, 'Call-ID') ?? '' },
    { name: 'CSeq', value: `${cseqOf(invite).seq} ACK` },
  ];
  return { kind: 'request', method: 'ACK', uri: invite.uri, headers, body: '' };
}

/** Non-INVITE client transaction (BYE, CANCEL, OPTIONS, REGISTER), RFC 3261 §17.1.2. */
export class NonInviteClientTransaction extends ClientTransactionBase<'trying' | 'proceeding' | 'completed', 'E' | 'F' | 'K'> {
  protected state: 'trying' | 'proceeding' | 'completed' | 'terminated' = 'trying';

  start(): void {
    this.transmit(this.request);
    const { t1 } = this.host.timerValues;
    if (!this.host.reliable) this.scheduleE(t1);
    this.arm('F', 64 * t1, () => {
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.terminate();
      this.user.onTimeout();
    });
  }

  /** Timer E: T1 doubling up to T2 while Trying; T2 once Proceeding (§17.1.2.2). */
  private scheduleE(interval: number): void {
    this.arm('E', interval, () => {
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.transmit(this.request);
      const { t2 } = this.host.timerValues;
      this.scheduleE(this.state === 'proceeding' ? t2 : Math.min(interval * 2, t2));
    });
  }

  receive(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return; // Completed absorbs retransmissions
    if (response.status < 200) {
      this.state = 'proceeding';
      this.user.onResponse(response);
      return;
    }
    this.state = 'completed';
    this.disarm('E', 'F');
    // Timer K: T4 on UDP to absorb retransmitted responses, zero on TCP.
    this.arm('K', this.host.reliable ? 0 : this.host.timerValues.t4, () => this.terminate());
    this.user.onResponse(response);
  }
}

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
