import { cseqOf, getHeader, getHeaderList, type SipHeader, type SipMessage, type SipRequest, type SipResponse } from './message.js';
import { parseMessage, type MessageKeys } from './parser.js';
import { formatMessage } from './serializer.js';
import { newBranch, newTag } from './ids.js';
import { tagOf } from './uri.js';
import { formatVia, parseVia } from './via.js';
import { DEFAULT_SIP_TIMERS, realTimers, type SipTimerValues, type TimerHandle, type Timers } from './timers.js';
import {
  InviteClientTransaction,
  NonInviteClientTransaction,
  clientTransactionKey,
  topViaBranch,
  type ClientTransaction,
  type ClientTransactionUser,
  type TransactionHost,
} from './transaction.js';
import { TcpTransport, UdpTransport, type Destination, type Transport, type TransportProtocol } from './transport.js';

/** Requests and stray responses of one call, routed by Call-ID (ours, so unique). */
export interface CallHandler {
  onRequest(request: SipRequest, from: Destination): void;
  /** A 2xx to our INVITE that matched no transaction any more (retransmission after Timer M, or a fork). */
  onStrayResponse(response: SipResponse): void;
}

export interface TraceSink {
  (direction: 'out' | 'in', remote: string, text: string): void;
}

export interface SipStackOptions {
  transport: 'udp' | 'tcp';
  /** Address to bind (0.0.0.0 for all). */
  bindAddress: string;
  /** 0 = any free port. */
  localPort: number;
  /** The address we put in Via and Contact: reachable by the gateway. */
  advertisedAddress: string;
  timers?: Timers;
  timerValues?: SipTimerValues;
  log?: (line: string) => void;
  userAgent?: string;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS';

/**
 * The SIP transport and transaction layers (RFC 3261 §17, §18) for one user
 * agent client: it owns the socket, matches responses to client
 * transactions, absorbs retransmitted requests, and hands requests of a call
 * to that call. Malformed input is logged and dropped, never thrown.
 */
export class SipStack implements TransactionHost {
  readonly timers: Timers;
  readonly timerValues: SipTimerValues;
  readonly userAgent: string;
  private transport!: Transport;
  private readonly clientTransactions = new Map<string, ClientTransaction>();
  private readonly serverResponses = new Map<string, { response: Buffer; to: Destination; timer: TimerHandle }>();
  private readonly pending2xx = new Map<string, { timer: TimerHandle | null; giveUp: TimerHandle }>();
  private readonly calls = new Map<string, CallHandler>();
  private readonly traces = new Map<string, TraceSink>();
  /** RFC 3581 §4: where the gateway saw our requests come from, when it differs from our own idea (NAT). */
  private publicAddress: Destination | null = null;
  /** Our Via up to the branch value, see via(). */
  private viaPrefix: string | null = null;
  private readonly log: (line: string) => void;
  dropped = 0;

  private constructor(private readonly options: SipStackOptions) {
    this.timers = options.timers ?? realTimers;
    this.timerValues = options.timerValues ?? DEFAULT_SIP_TIMERS;
    this.log = options.log ?? (() => undefined);
    this.userAgent = options.userAgent ?? 'AutoCall';
  }

  static async open(options: SipStackOptions): Promise<SipStack> {
    const stack = new SipStack(options);
    const events = {
      onMessage: (data: Buffer, from: Destination) => stack.receive(data, from),
      onError: (message: string) => stack.log(`sip transport: ${message}`),
    };
    stack.transport =
      options.transport === 'tcp'
        ? await TcpTransport.open(options.bindAddress, options.localPort, events)
        : await UdpTransport.open(options.bindAddress, options.localPort, events);
    return stack;
  }

  get reliable(): boolean {
    return this.transport.reliable;
  }

  get protocol(): TransportProtocol {
    return this.transport.protocol;
  }

  get localPort(): number {
    return this.transport.localPort;
  }

  /** A fresh top Via for a request we originate (§8.1.1.7) with an empty rport (RFC 3581 §3). */
  via(branch = newBranch()): string {
    // Everything but the branch is fixed once the socket is open: formatted once, per stack.
    this.viaPrefix ??= formatVia({
      protocol: 'SIP/2.0',
      transport: this.transport.protocol,
      host: this.options.advertisedAddress,
      port: this.transport.localPort,
      params: { rport: null, branch: '' },
    });
    return this.viaPrefix + branch;
  }

  /**
   * The Contact URI (§8.1.1.8). Behind NAT (a response's Via showed another
   * received/rport) we advertise the public address, so that in-dialog
   * requests from the gateway come back through the NAT binding.
   */
  contactUri(user: string): string {
    const address = this.publicAddress ?? { host: this.options.advertisedAddress, port: this.transport.localPort };
    const transport = this.transport.protocol === 'TCP' ? ';transport=tcp' : '';
    return `sip:${user}@${address.host}:${address.port}${transport}`;
  }

  get natAddress(): Destination | null {
    return this.publicAddress;
  }

  registerCall(callId: string, handler: CallHandler, trace?: TraceSink): void {
    this.calls.set(callId, handler);
    if (trace) this.traces.set(callId, trace);
  }

  unregisterCall(callId: string): void {
    this.calls.delete(callId);
    this.traces.delete(callId);
  }

  /** Starts or (null) stops tracing a Call-ID: requests that are not a call (OPTIONS, REGISTER), or a call whose result is out. */
  traceCallId(callId: string, trace: TraceSink | null): void {
    if (trace) this.traces.set(callId, trace);
    else this.traces.delete(callId);
  }

  sendRequest(request: SipRequest, to: Destination, user: ClientTransactionUser): ClientTransaction {
    const tx =
      request.method === 'INVITE'
        ? new InviteClientTransaction(this, request, to, user)
        : new NonInviteClientTransaction(this, request, to, user);
    this.clientTransactions.set(tx.key, tx);
    tx.start();
    return tx;
  }

  /** TransactionHost: every message leaves through here so that it is traced. */
  send(message: SipMessage, to: Destination): Promise<void> {
    const text = formatMessage(message);
    this.trace(getHeader(message, 'Call-ID'), 'out', to, text);
    return this.transport.send(Buffer.from(text, 'utf8'), to);
  }

  /** ACK for a 2xx and other messages outside any client transaction; errors are logged. */
  sendStateless(message: SipMessage, to: Destination): void {
    this.send(message, to).catch((err: Error) => this.log(`sip send to ${to.host}:${to.port} failed: ${err.message}`));
  }

  terminated(key: string): void {
    this.clientTransactions.delete(key);
  }

  /** A received datagram is decoded only when someone traces its Call-ID. */
  private trace(callId: string | undefined, direction: 'out' | 'in', remote: Destination, message: string | Buffer): void {
    if (!callId) return;
    const sink = this.traces.get(callId);
    if (sink) sink(direction, `${this.transport.protocol.toLowerCase()}:${remote.host}:${remote.port}`, typeof message === 'string' ? message : message.toString('utf8'));
  }

  /** Entry point of every datagram / framed TCP message. */
  receive(data: Buffer, from: Destination): void {
    const parsed = parseMessage(data, this.transport.protocol === 'TCP');
    if (!parsed.ok) {
      // §18.3 / issue 3: malformed or truncated input is logged and dropped.
      if (parsed.error !== 'keep-alive only') {
        this.dropped++;
        this.log(`sip: dropped a message from ${from.host}:${from.port}: ${parsed.error}`);
      }
      // Its headers were sound: the transaction it answers learns why it was dropped (issue 10).
      const partial = parsed.partial;
      if (partial?.message.kind === 'response') {
        this.trace(partial.keys.callId, 'in', from, data);
        this.transactionOf(partial.message, partial.keys)?.dropped(partial.message, parsed.error);
      }
      return;
    }
    const { message, keys } = parsed;
    this.trace(keys.callId, 'in', from, data);
    try {
      if (message.kind === 'response') this.receiveResponse(message, keys, from);
      else this.receiveRequest(message, from, keys);
    } catch (err) {
      // A bug in a handler must not take the process down with it.
      this.log(`sip: error handling a message: ${err instanceof Error ? err.stack : String(err)}`);
    }
  }

  private receiveResponse(response: SipResponse, keys: MessageKeys, from: Destination): void {
    const top = keys.topVia; // §18.1.2: the parser has dropped responses without a valid top Via
    this.learnNat(top.params.received ?? null, top.params.rport ?? null);
    const method = keys.cseq.method;
    const tx = this.transactionOf(response, keys);
    if (tx) {
      const mismatch = responseMismatch(tx.request, response, keys);
      if (mismatch) {
        // §17.1.3 matches on the branch alone; a response whose Call-ID or tags are not the request's is
        // not for it (a broken or hostile peer reusing our branch) and must not be taken (issue 10).
        this.dropped++;
        this.log(`sip: dropped a ${response.status} response: ${mismatch}`);
        const callId = getHeader(tx.request, 'Call-ID');
        if (callId !== keys.callId) this.trace(callId, 'in', from, formatMessage(response));
        tx.dropped(response, mismatch);
        return;
      }
      tx.receive(response);
      return;
    }
    if (method === 'INVITE' && response.status >= 200 && response.status < 300) {
      this.calls.get(keys.callId)?.onStrayResponse(response);
    }
  }

  /** §17.1.3: the client transaction a response belongs to, by top Via branch and CSeq method. */
  private transactionOf(response: SipResponse, keys: MessageKeys): ClientTransaction | undefined {
    return this.clientTransactions.get(clientTransactionKey(keys.topVia.params.branch || '', keys.cseq.method));
  }

  private learnNat(received: string | null, rport: string | null): void {
    if (this.transport.protocol !== 'UDP' || !received) return;
    const port = rport && /^\d+$/.test(rport) ? Number(rport) : this.transport.localPort;
    const same = received === this.options.advertisedAddress && port === this.transport.localPort;
    if (same) {
      this.publicAddress = null;
      return;
    }
    if (!this.publicAddress || this.publicAddress.host !== received || this.publicAddress.port !== port) {
      this.log(`sip: the gateway sees us at ${received}:${port} (NAT); using it in Contact`);
      this.publicAddress = { host: received, port };
    }
  }

  private receiveRequest(request: SipRequest, from: Destination, keys: MessageKeys): void {
    markReceived(request, from);
    const branch = keys.topVia.params.branch || '';
    const { cseq, callId } = keys;
    if (request.method === 'ACK') {
      // §13.3.1.4: an ACK ends the retransmission of our 2xx to a re-INVITE.
      const pendingKey = `${callId}|${cseq.seq}`;
      const pending = this.pending2xx.get(pendingKey);
      if (pending) {
        this.timers.clearTimeout(pending.timer);
        this.timers.clearTimeout(pending.giveUp);
        this.pending2xx.delete(pendingKey);
      }
      if (this.serverResponses.has(`${branch}|INVITE`)) return; // ACK for our non-2xx: absorbed (§17.2.1)
    } else {
      // §17.2: a retransmitted request gets the response we already sent.
      const previous = this.serverResponses.get(`${branch}|${request.method}`);
      if (previous) {
        this.transport.send(previous.response, from).catch(() => undefined);
        return;
      }
    }
    const handler = this.calls.get(callId);
    if (handler) {
      handler.onRequest(request, from);
      return;
    }
    if (request.method === 'ACK') return;
    if (tagOf(getHeader(request, 'To'))) {
      this.respond(request, from, 481, 'Call/Transaction Does Not Exist'); // §12.2.2
    } else if (request.method === 'OPTIONS') {
      this.respond(request, from, 200, 'OK', [{ name: 'Allow', value: ALLOW }]);
    } else if (request.method === 'CANCEL') {
      this.respond(request, from, 481, 'Call/Transaction Does Not Exist'); // §9.2
    } else if (request.method === 'INVITE') {
      this.respond(request, from, 603, 'Decline'); // this app only places calls
    } else {
      this.respond(request, from, 501, 'Not Implemented');
    }
  }

  /**
   * Answers a request (§8.2.6): Via, From, Call-ID, CSeq copied, a To tag
   * added when missing. The response is kept so a retransmitted request is
   * answered again (Timer J, §17.2.2; INVITE 2xx until its ACK, §13.3.1.4).
   */
  respond(
    request: SipRequest,
    to: Destination,
    status: number,
    reason: string,
    extraHeaders: SipHeader[] = [],
    body = '',
    toTag?: string,
  ): SipResponse {
    let toValue = getHeader(request, 'To') ?? '';
    if (status > 100 && !tagOf(toValue)) toValue += `;tag=${toTag ?? newTag()}`;
    const headers: SipHeader[] = [
      ...getHeaderList(request, 'Via').map((value) => ({ name: 'Via', value })),
      { name: 'From', value: getHeader(request, 'From') ?? '' },
      { name: 'To', value: toValue },
      { name: 'Call-ID', value: getHeader(request, 'Call-ID') ?? '' },
      { name: 'CSeq', value: getHeader(request, 'CSeq') ?? '' },
      { name: 'Server', value: this.userAgent },
      ...extraHeaders,
    ];
    const response: SipResponse = { kind: 'response', status, reason, headers, body };
    const text = formatMessage(response);
    const data = Buffer.from(text, 'utf8');
    this.trace(getHeader(request, 'Call-ID'), 'out', to, text);
    this.transport.send(data, to).catch((err: Error) => this.log(`sip: response ${status} not sent: ${err.message}`));
    const key = `${topViaBranch(request) ?? ''}|${request.method}`;
    const old = this.serverResponses.get(key);
    if (old) this.timers.clearTimeout(old.timer);
    const keepFor = this.transport.reliable && request.method !== 'INVITE' ? 0 : 64 * this.timerValues.t1;
    const timer = this.timers.setTimeout(() => this.serverResponses.delete(key), keepFor);
    this.serverResponses.set(key, { response: data, to, timer });
    if (request.method === 'INVITE' && status >= 200 && status < 300) this.retransmit2xx(request, data, to);
    return response;
  }

  /** §13.3.1.4: the UAS core retransmits its 2xx (T1 doubling to T2) until the ACK, for 64*T1. */
  private retransmit2xx(request: SipRequest, data: Buffer, to: Destination): void {
    const key = `${getHeader(request, 'Call-ID') ?? ''}|${cseqOf(request).seq}`;
    const entry: { timer: TimerHandle | null; giveUp: TimerHandle } = {
      timer: null,
      giveUp: this.timers.setTimeout(() => {
        this.timers.clearTimeout(entry.timer);
        this.pending2xx.delete(key);
      }, 64 * this.timerValues.t1),
    };
    this.pending2xx.set(key, entry);
    if (this.transport.reliable) return;
    const again = (interval: number): void => {
      entry.timer = this.timers.setTimeout(() => {
        this.transport.send(data, to).catch(() => undefined);
        again(Math.min(interval * 2, this.timerValues.t2));
      }, interval);
    };
    again(this.timerValues.t1);
  }

  async close(): Promise<void> {
    for (const tx of [...this.clientTransactions.values()]) tx.terminate();
    for (const entry of this.serverResponses.values()) this.timers.clearTimeout(entry.timer);
    for (const entry of this.pending2xx.values()) {
      this.timers.clearTimeout(entry.timer);
      this.timers.clearTimeout(entry.giveUp);
    }
    this.serverResponses.clear();
    this.pending2xx.clear();
    await this.transport.close();
  }
}

/**
 * Why a response that matched a transaction by branch is not its answer:
 * the Call-ID and From tag must be the request's (§8.1.3.3: the UAC uses
 * them, with the To tag, to match responses), and a request sent within a
 * dialog (its To has a tag) must be answered from that dialog's tag.
 */
export function responseMismatch(request: SipRequest, response: SipResponse, keys: MessageKeys): string | null {
  if (keys.callId !== getHeader(request, 'Call-ID')) return `its Call-ID ${keys.callId} is not the request's`;
  const fromTag = tagOf(getHeader(request, 'From'));
  if (tagOf(getHeader(response, 'From')) !== fromTag) return 'its From tag is not the request\'s';
  const toTag = tagOf(getHeader(request, 'To'));
  if (toTag !== null && tagOf(getHeader(response, 'To')) !== toTag) return 'its To tag is not the dialog\'s';
  return null;
}

/** §18.2.1 and RFC 3581 §4: note the source address in the top Via of a received request. */
function markReceived(request: SipRequest, from: Destination): void {
  const index = request.headers.findIndex((h) => h.name === 'Via');
  if (index < 0) return;
  const values = getHeaderList({ ...request, headers: [request.headers[index]!] }, 'Via');
  const top = parseVia(values[0] ?? '');
  if (!top) return;
  let changed = false;
  if (top.host !== from.host) {
    top.params.received = from.host;
    changed = true;
  }
  if ('rport' in top.params && top.params.rport === null) {
    top.params.rport = String(from.port);
    top.params.received = from.host;
    changed = true;
  }
  if (changed) request.headers[index] = { name: 'Via', value: [formatVia(top), ...values.slice(1)].join(', ') };
}
