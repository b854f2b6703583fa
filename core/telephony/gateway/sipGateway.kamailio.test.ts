import { afterEach, describe, expect, it } from 'vitest';
import { startKamailio, startSipp, type KamailioRun, type SippRun } from '../../../tests/support/sipp.js';
import type { GatewayConfig } from './config.js';
import { SipGateway } from './sipGateway.js';
import { FakeMediaFactory } from './testing/fakeMedia.js';
import { localGatewayConfig } from './testing/localGateway.js';

/** kamailio as a proxy that demands digest auth (407) in front of a sipp callee. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const payloads = { pcma: new Uint8Array(1600), pcmu: new Uint8Array(1600) };

async function setUp(scenario: string): Promise<{ sipp: SippRun; kamailio: KamailioRun }> {
  const sipp = await startSipp({ scenario });
  cleanups.push(() => sipp.kill());
  const kamailio = await startKamailio({ sippPort: sipp.port, user: 'trunk7', password: 's3cr3t!' });
  cleanups.push(() => kamailio.kill());
  return { sipp, kamailio };
}

function gatewayFor(host: string, port: number, overrides: Partial<GatewayConfig>): SipGateway {
  const gateway = new SipGateway(
    localGatewayConfig(port, { host, callerId: { user: 'trunk7', displayName: 'Toko Sinar' }, codecs: ['PCMA'], username: 'trunk7', ...overrides }),
    { media: new FakeMediaFactory() },
  );
  cleanups.push(() => gateway.stop());
  return gateway;
}

describe('SipGateway through kamailio (407 digest)', () => {
  it('kamailio as the gateway: challenge answered, call relayed to sipp, BYE follows the Record-Route', async () => {
    const { sipp, kamailio } = await setUp('answer-wait-bye.xml');
    const gateway = gatewayFor('127.0.0.1', kamailio.port, { password: 's3cr3t!' });
    await gateway.start();
    const result = await gateway.call({ to: '+6281234567890', payloads });
    const sippResult = await sipp.exited;
    expect(sippResult.code, kamailio.output().slice(-3000)).toBe(0);
    expect(result.errors).toEqual([]);
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('system');
    const out = result.trace.filter((t) => t.direction === 'out').map((t) => t.text);
    expect(out.filter((t) => t.startsWith('INVITE '))).toHaveLength(2);
    const bye = out.find((t) => t.startsWith('BYE '));
    expect(bye).toMatch(/^Route: <sip:127\.0\.0\.1:\d+;lr[;>]/m); // the route set from Record-Route (§12.2.1.1)
    expect(kamailio.output()).toContain("authenticated INVITE");
  });

  it('kamailio as outbound proxy (Route: <proxy;lr>), sipp as the gateway host', async () => {
    const busy = await startSipp({ scenario: 'final-486.xml', args: ['-key', 'reason_header', 'Reason: Q.850;cause=17'] });
    cleanups.push(() => busy.kill());
    const proxy = await startKamailio({ sippPort: busy.port, user: 'trunk7', password: 's3cr3t!' });
    cleanups.push(() => proxy.kill());
    const gateway = gatewayFor('127.0.0.1', busy.port, { password: 's3cr3t!', outboundProxy: { host: '127.0.0.1', port: proxy.port } });
    await gateway.start();
    const result = await gateway.call({ to: '+6281234567890', payloads });
    expect((await busy.exited).code).toBe(0);
    expect(result.outcome).toBe('busy');
    expect(result.q850Cause).toBe(17);
    expect(result.trace[0]?.remote).toBe(`udp:127.0.0.1:${proxy.port}`);
    expect(result.trace[0]?.text).toMatch(new RegExp(`^Route: <sip:127\\.0\\.0\\.1:${proxy.port};lr>`, 'm'));
  });

  it('wrong password: kamailio challenges again and the call fails with sip.authFailed', async () => {
    const { kamailio } = await setUp('answer-wait-bye.xml');
    const gateway = gatewayFor('127.0.0.1', kamailio.port, { password: 'not-it' });
    await gateway.start();
    const result = await gateway.call({ to: '+6281234567890', payloads });
    expect(result.outcome).toBe('failed');
    expect(result.finalStatus).toBe(407);
    expect(result.errors.map((e) => e.code)).toContain('sip.authFailed');
  });
});

describe('"Test gateway" with registration at kamailio (401 digest)', () => {
  /** kamailio as the registrar; the tests send no INVITE, so the callee port is the discard port. */
  async function registrar(): Promise<KamailioRun> {
    const kamailio = await startKamailio({ sippPort: 9, user: 'trunk7', password: 's3cr3t!' });
    cleanups.push(() => kamailio.kill());
    return kamailio;
  }

  it('the right password: reachable and registered, no problem, and the binding removed again', async () => {
    const kamailio = await registrar();
    const result = await gatewayFor('127.0.0.1', kamailio.port, { register: true, password: 's3cr3t!' }).test();
    expect(result).toMatchObject({ reachable: true, status: 200, registered: true });
    expect(result.error).toBeUndefined();
    const registers = result.trace.filter((t) => t.direction === 'out' && t.text.startsWith('REGISTER '));
    expect(registers.map((t) => /^Expires: (\d+)/m.exec(t.text)?.[1])).toEqual(['300', '300', '0', '0']);
  });

  it('a wrong password: challenged again, so sip.authFailed with the realm', async () => {
    const kamailio = await registrar();
    const result = await gatewayFor('127.0.0.1', kamailio.port, { register: true, password: 'not-it' }).test();
    expect(result).toMatchObject({ reachable: true, status: 200, registered: false });
    expect(result.error).toMatchObject({ code: 'sip.authFailed', params: { realm: 'kamailio.test' } });
  });

  it('no password saved: sip.passwordMissing, and no credentials are sent', async () => {
    const kamailio = await registrar();
    const result = await gatewayFor('127.0.0.1', kamailio.port, { register: true }).test();
    expect(result).toMatchObject({ reachable: true, registered: false });
    expect(result.error?.code).toBe('sip.passwordMissing');
    expect(result.trace.filter((t) => t.direction === 'out' && t.text.startsWith('REGISTER '))).toHaveLength(1);
  });

  it('a challenge of another realm than the one configured: sip.wrongRealm with both realms', async () => {
    const kamailio = await registrar();
    const result = await gatewayFor('127.0.0.1', kamailio.port, { register: true, password: 's3cr3t!', realm: 'office.test' }).test();
    expect(result.registered).toBe(false);
    expect(result.error).toMatchObject({ code: 'sip.wrongRealm', params: { realm: 'kamailio.test', expected: 'office.test' } });
  });
});
