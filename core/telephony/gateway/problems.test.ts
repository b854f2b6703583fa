import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayConfig } from './config.js';
import { SipGateway } from './sipGateway.js';
import { transportProblem } from './problems.js';
import { FakeMediaFactory } from './testing/fakeMedia.js';
import { localGatewayConfig } from './testing/localGateway.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A TCP port on 127.0.0.1 where nothing listens (one just released). */
async function closedTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A gateway over TCP to 127.0.0.1:port, stopped after the test. */
function tcpGateway(port: number, overrides: Partial<GatewayConfig> = {}): SipGateway {
  const gateway = new SipGateway(
    localGatewayConfig(port, { transport: 'tcp', callerId: { user: '100' }, ringTimeoutMs: 5000, ...overrides }),
    { media: new FakeMediaFactory() },
  );
  stops.push(() => gateway.stop());
  return gateway;
}

describe('transport problems of a call', () => {
  it('a gateway that refuses the TCP connection: sip.connectionRefused with its address, not a bare system message', async () => {
    const port = await closedTcpPort();
    const gateway = tcpGateway(port);
    await gateway.start();
    const result = await gateway.call({ to: '+6281234567890', payloads: { pcma: new Uint8Array(160), pcmu: new Uint8Array(160) } });
    expect(result.outcome).toBe('failed');
    expect(result.errors).toEqual([
      { code: 'sip.connectionRefused', message: expect.stringContaining(`127.0.0.1:${port} refused the connection (INVITE)`), params: { address: `127.0.0.1:${port}` } },
    ]);
  });

  it('an error with no known code keeps its text as the detail', () => {
    const problem = transportProblem(new Error('transport closed'), { host: '192.0.2.1', port: 5060 }, 'BYE');
    expect(problem).toEqual({
      code: 'sip.transportError',
      message: 'Sending the BYE to the gateway at 192.0.2.1:5060 failed: transport closed.',
      params: { address: '192.0.2.1:5060', detail: 'transport closed' },
    });
  });
});

describe('transport problems of "Test gateway"', () => {
  it('a refused connection is the same problem a call gets: sip.connectionRefused for the OPTIONS', async () => {
    const port = await closedTcpPort();
    const result = await tcpGateway(port).test();
    expect(result).toMatchObject({ reachable: false, status: null });
    expect(result.error).toEqual({
      code: 'sip.connectionRefused',
      message: expect.stringContaining(`127.0.0.1:${port} refused the connection (OPTIONS)`),
      params: { address: `127.0.0.1:${port}` },
    });
  });

  it('with registration on, the REGISTER’s own problem is reported', async () => {
    const port = await closedTcpPort();
    const result = await tcpGateway(port, { register: true, username: '100', password: 'secret' }).test();
    expect(result).toMatchObject({ reachable: false, registered: false });
    expect(result.error).toMatchObject({ code: 'sip.connectionRefused', message: expect.stringContaining('(REGISTER)'), params: { address: `127.0.0.1:${port}` } });
  });

  it('a gateway host that cannot be resolved: gateway.unresolvable, nothing sent', async () => {
    const result = await tcpGateway(5060, { host: 'no-such-gateway.invalid' }).test();
    expect(result).toEqual({
      reachable: false,
      status: null,
      trace: [],
      error: { code: 'gateway.unresolvable', message: expect.stringContaining('no-such-gateway.invalid'), params: { host: 'no-such-gateway.invalid' } },
    });
  });
});
