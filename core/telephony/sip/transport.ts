import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, connect, isIPv6, type Server, type Socket as TcpSocket } from 'node:net';
import { TcpFramer } from './tcpFramer.js';

export interface Destination {
  /** An IP literal (names are resolved before the transport sees them). */
  host: string;
  port: number;
}

export type TransportProtocol = 'UDP' | 'TCP';

export interface TransportEvents {
  onMessage(data: Buffer, from: Destination): void;
  /** A stream that lost framing, a socket error: logged, never thrown. */
  onError(message: string): void;
}

/** The sending half the transactions see (RFC 3261 §18). */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** TCP is reliable: no retransmissions, Timers D/K are zero (§17.1.1.2, §17.1.2.2). */
  readonly reliable: boolean;
  readonly localAddress: string;
  readonly localPort: number;
  send(data: Buffer, to: Destination): Promise<void>;
  close(): Promise<void>;
}

export const destinationKey = (d: Destination): string => `${d.host}:${d.port}`;

/** SIP over UDP on one socket (§18.1.1), bound to localAddress:localPort (0 = any free port). */
export class UdpTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  private constructor(
    private readonly socket: UdpSocket,
    readonly localAddress: string,
    readonly localPort: number,
  ) {}

  static open(localAddress: string, localPort: number, events: TransportEvents): Promise<UdpTransport> {
    return new Promise((resolve, reject) => {
      // Larger socket buffers: bursts of responses from many simultaneous calls must not be dropped
      // by the kernel (the OS caps them at its own maximum).
      const socket = createSocket({ type: isIPv6(localAddress) ? 'udp6' : 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
      socket.once('error', reject);
      socket.bind(localPort, localAddress, () => {
        socket.off('error', reject);
        socket.on('error', (err) => events.onError(`udp socket: ${err.message}`));
        socket.on('message', (data, rinfo) => events.onMessage(data, { host: rinfo.address, port: rinfo.port }));
        resolve(new UdpTransport(socket, localAddress, socket.address().port));
      });
    });
  }

  send(data: Buffer, to: Destination): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(data, to.port, to.host, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/**
 * SIP over TCP (§18): one listening socket (the Contact we advertise) and a
 * connection per peer, reused in both directions; responses go back on the
 * connection the request came in on (§18.2.2).
 */
export class TcpTransport implements Transport {
  readonly protocol = 'TCP' as const;
  readonly reliable = true;
  private readonly connections = new Map<string, Promise<TcpSocket>>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly localAddress: string,
    readonly localPort: number,
    private readonly events: TransportEvents,
  ) {
    server.on('connection', (socket) => this.adopt(socket));
  }

  static open(localAddress: string, localPort: number, events: TransportEvents): Promise<TcpTransport> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(localPort, localAddress, () => {
        server.off('error', reject);
        server.on('error', (err) => events.onError(`tcp server: ${err.message}`));
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : localPort;
        resolve(new TcpTransport(server, localAddress, port, events));
      });
    });
  }

  private adopt(socket: TcpSocket, knownKey?: string): void {
    socket.setNoDelay(true);
    const remote: Destination = { host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const key = knownKey ?? destinationKey(remote);
    if (!knownKey) this.connections.set(key, Promise.resolve(socket));
    const framer = new TcpFramer(
      (data) => this.events.onMessage(data, remote),
      (error) => {
        this.events.onError(`tcp ${key}: ${error}; closing the connection`);
        socket.destroy();
      },
    );
    socket.on('data', (chunk) => framer.push(chunk));
    socket.on('error', (err) => this.events.onError(`tcp ${key}: ${err.message}`));
    socket.on('close', () => {
      void this.connections.get(key)?.then((s) => {
        if (s === socket) this.connections.delete(key);
      }, () => undefined);
    });
  }

  private connection(to: Destination): Promise<TcpSocket> {
    const key = destinationKey(to);
    const existing = this.connections.get(key);
    if (existing) return existing;
    const pending = new Promise<TcpSocket>((resolve, reject) => {
      const socket = connect({ host: to.host, port: to.port, localAddress: this.localAddress === '0.0.0.0' ? undefined : this.localAddress });
      socket.once('error', (err) => {
        this.connections.delete(key);
        reject(err);
      });
      socket.once('connect', () => {
        this.adopt(socket, key);
        resolve(socket);
      });
    });
    this.connections.set(key, pending);
    return pending;
  }

  async send(data: Buffer, to: Destination): Promise<void> {
    if (this.closed) throw new Error('transport closed');
    const socket = await this.connection(to);
    await new Promise<void>((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.connections.values()) {
      pending.then((s) => s.destroy(), () => undefined);
    }
    this.connections.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
