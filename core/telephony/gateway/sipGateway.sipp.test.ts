import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startLossyRelay, startSipp, type SippRun } from '../../../tests/support/sipp.js';
import type { GatewayConfig } from './config.js';
import { SipGateway } from './sipGateway.js';
import { FakeMediaFactory } from './testing/fakeMedia.js';
import { localGatewayConfig } from './testing/localGateway.js';

/** Real sipp (Debian sip-tester) as the callee for each outcome of docs/DOMAIN.md's table. */
const running: { sipp?: SippRun; gateway?: SipGateway }[] = [];

/** Events a call's state table refused (outboundCall.ts logs them): every scenario here is one it must take. */
const refused: string[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.gateway?.stop();
    await r.sipp?.kill();
  }
  expect(refused.splice(0)).toEqual([]);
});

function config(sipp: SippRun, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return localGatewayConfig(sipp.port, { host: sipp.host, callerId: { user: '02150001', displayName: 'PT Maju "Jaya"' }, ...overrides });
}

/** 1600 bytes of G.711 = 200 ms of audio. */
const payloads = { pcma: new Uint8Array(1600).fill(0xd5), pcmu: new Uint8Array(1600).fill(0xff) };

async function setUp(scenario: string, args: string[] = [], overrides: Partial<GatewayConfig> = {}, transport: 'udp' | 'tcp' = 'udp') {
  const sipp = await startSipp({ scenario, args, transport });
  const media = new FakeMediaFactory();
  const lines: string[] = [];
  const gateway = new SipGateway(config(sipp, { transport, ...overrides }), {
    media,
    log: (l) => {
      lines.push(l);
      if (/ ignored \w+ in state /.test(l)) refused.push(l);
    },
  });
  running.push({ sipp, gateway });
  await gateway.start();
  return { sipp, gateway, media, lines };
}

async function sippPassed(sipp: SippRun): Promise<void> {
  const result = await sipp.exited;
  if (result.code !== 0) throw new Error(`sipp failed (exit ${result.code}):\n${result.errors}\n${result.output.slice(-3000)}\n${result.messages.slice(-6000)}`);
}

describe('SipGateway against sipp', () => {
  it('answered, callee hangs up', async () => {
    const { sipp, gateway, media } = await setUp('answer-callee-hangs-up.xml', [], {}, 'udp');
    const result = await gateway.call({ to: '+6281234567890', payloads: { pcma: new Uint8Array(80_000), pcmu: new Uint8Array(80_000) } });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('callee');
    expect(result.finalStatus).toBe(200);
    expect(result.answeredAt).not.toBeNull();
    expect(result.playedToEnd).toBe(false);
    expect(media.sessions[0]?.negotiated?.codec).toBe('PCMA');
    expect(media.sessions[0]?.closed).toBe(true);
    const invite = result.trace.find((t) => t.direction === 'out' && t.text.startsWith('INVITE '));
    expect(invite?.text).toContain('INVITE sip:+6281234567890@127.0.0.1:');
    expect(invite?.text).toContain('From: "PT Maju \\"Jaya\\"" <sip:02150001@127.0.0.1>;tag=');
    expect(result.trace.some((t) => t.direction === 'in' && t.text.startsWith('BYE '))).toBe(true);
  });

  it('answered, recording played to the end, we hang up (BYE from us)', async () => {
    const { sipp, gateway, media } = await setUp('answer-wait-bye.xml');
    const result = await gateway.call({ to: '+6281234567890', payloads, playTimes: 2 });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('system');
    expect(result.playedToEnd).toBe(true);
    expect(result.playedMs).toBe(400);
    expect(result.answeredMs).toBeGreaterThanOrEqual(400);
    expect(result.errors).toEqual([]);
    expect(media.sessions[0]?.closed).toBe(true);
    const bye = result.trace.find((t) => t.direction === 'out' && t.text.startsWith('BYE '));
    expect(bye?.text).toMatch(/^BYE sip:callee@127\.0\.0\.1:\d+;transport=UDP SIP\/2\.0/);
    expect(bye?.text).toMatch(/CSeq: 2 BYE/);
  });

  it('answered over TCP', async () => {
    const { sipp, gateway } = await setUp('answer-wait-bye.xml', [], {}, 'tcp');
    const result = await gateway.call({ to: '+6281234567890', payloads });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('system');
    expect(result.trace[0]?.remote).toMatch(/^tcp:127\.0\.0\.1:/);
  });

  const finals: [string, number, string, string, number | null][] = [
    ['busy', 486, 'X-Test: none', 'busy', null],
    ['powered off (480 + Reason cause 20)', 480, 'Reason: Q.850;cause=20;text="Subscriber absent"', 'poweredOff', 20],
    ['no answer (480 alone)', 480, 'X-Test: none', 'noAnswer', null],
    ['invalid number', 404, 'X-Test: none', 'invalidNumber', null],
    ['failed (503)', 503, 'X-Test: none', 'failed', null],
    ['reason first: 503 with cause 17 is busy', 503, 'Reason: SIP;cause=503, Q.850;cause=17', 'busy', 17],
  ];
  for (const [name, status, header, outcome, cause] of finals) {
    it(`${name}: ${status} -> ${outcome}`, async () => {
      const { sipp, gateway } = await setUp(`final-${status}.xml`, ['-key', 'reason_header', header]);
      const result = await gateway.call({ to: '+6281234567890', payloads });
      await sippPassed(sipp); // sipp got our ACK for the non-2xx
      expect(result.outcome).toBe(outcome);
      expect(result.finalStatus).toBe(status);
      expect(result.q850Cause).toBe(cause);
      expect(result.hungUpBy).toBeNull();
      expect(result.answeredAt).toBeNull();
      const ack = result.trace.find((t) => t.direction === 'out' && t.text.startsWith('ACK '));
      const invite = result.trace.find((t) => t.direction === 'out' && t.text.startsWith('INVITE '));
      const branch = (text: string | undefined) => /branch=(z9hG4bK[^;\s]+)/.exec(text ?? '')?.[1];
      expect(branch(ack?.text)).toBe(branch(invite?.text)); // §17.1.1.3: same branch as the INVITE
    });
  }

  it('no answer: rings until our ring timeout, CANCEL, 487', async () => {
    const { sipp, gateway } = await setUp('ringing-until-cancel.xml');
    const result = await gateway.call({ to: '+6281234567890', payloads, ringTimeoutMs: 400 });
    await sippPassed(sipp);
    expect(result.outcome).toBe('noAnswer');
    expect(result.finalStatus).toBe(487);
    expect(result.ringMs).toBeGreaterThanOrEqual(300);
    const cancel = result.trace.find((t) => t.direction === 'out' && t.text.startsWith('CANCEL '));
    expect(cancel?.text).toMatch(/CSeq: 1 CANCEL/);
    expect(cancel?.text).not.toMatch(/^To: .*tag=/m);
  });

  it('abort while ringing sends CANCEL', async () => {
    const { sipp, gateway } = await setUp('ringing-until-cancel.xml');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await gateway.call({ to: '+6281234567890', payloads, signal: controller.signal });
    await sippPassed(sipp);
    expect(result.outcome).toBe('noAnswer');
    expect(result.finalStatus).toBe(487);
  });

  it('a 200 OK crossing our CANCEL is ACKed and hung up with BYE', async () => {
    const { sipp, gateway } = await setUp('cancel-race.xml');
    const result = await gateway.call({ to: '+6281234567890', payloads, ringTimeoutMs: 300 });
    await sippPassed(sipp);
    expect(result.outcome).toBe('noAnswer');
    expect(result.finalStatus).toBe(200);
    expect(result.errors.map((e) => e.code)).toContain('sip.answeredAfterCancel');
    const out = result.trace.filter((t) => t.direction === 'out').map((t) => t.text.split(' ')[0]);
    expect(out).toEqual(['INVITE', 'CANCEL', 'ACK', 'BYE']);
  });

  it('abort after the answer sends BYE', async () => {
    const { sipp, gateway } = await setUp('answer-wait-bye.xml');
    const controller = new AbortController();
    const long = { pcma: new Uint8Array(800_000), pcmu: new Uint8Array(800_000) };
    setTimeout(() => controller.abort(), 500);
    const result = await gateway.call({ to: '+6281234567890', payloads: long, signal: controller.signal });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('system');
    expect(result.playedToEnd).toBe(false);
  });

  it('a retransmitted 200 OK is ACKed again (first ACK lost)', async () => {
    // The relay stands in the callee's Contact, so our ACK (sent to the Contact, §12.2.1.1) crosses it.
    let acks = 0;
    const relay = await startLossyRelay((text, fromUa) => fromUa && text.startsWith('ACK ') && ++acks === 1);
    const sipp = await startSipp({ scenario: 'lost-200.xml', args: ['-key', 'contact_port', String(relay.port)] });
    relay.setTarget(sipp);
    const gateway = new SipGateway(config(sipp, { port: relay.port }), { media: new FakeMediaFactory() });
    running.push({ sipp, gateway });
    await gateway.start();
    const result = await gateway.call({ to: '+6281234567890', payloads: { pcma: new Uint8Array(80_000), pcmu: new Uint8Array(80_000) } });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('callee');
    expect(result.trace.filter((t) => t.direction === 'out' && t.text.startsWith('ACK ')).length).toBe(2);
    expect(relay.dropped).toEqual([expect.stringMatching(/^ACK /)]);
    await relay.close();
  });

  it('a re-INVITE from the callee moves the media; INFO gets 501', async () => {
    const { sipp, gateway, media } = await setUp('reinvite.xml');
    const result = await gateway.call({ to: '+6281234567890', payloads: { pcma: new Uint8Array(80_000), pcmu: new Uint8Array(80_000) } });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('callee');
    expect(media.sessions[0]?.reoffers).toHaveLength(1);
    expect(media.sessions[0]?.negotiated).toMatchObject({ remotePort: 43210, codec: 'PCMU' });
  });

  const authCases: [string, string, string][] = [
    ['401 with qop=auth', '401', ', qop="auth"'],
    ['401 without qop', '401', ' '],
    ['407 with qop=auth', '407', ', qop="auth"'],
  ];
  for (const [name, status, qop] of authCases) {
    it(`digest: ${name} then answered`, async () => {
      const args = ['-key', 'qop', qop, '-key', 'user', 'trunk7', '-key', 'password', 's3cr3t!'];
      const { sipp, gateway } = await setUp(`auth-challenge-${status}.xml`, args, { username: 'trunk7', password: 's3cr3t!' });
      const result = await gateway.call({ to: '+6281234567890', payloads });
      await sippPassed(sipp);
      expect(result.errors).toEqual([]);
      expect(result.outcome).toBe('answered');
      if (status === '407') {
        // Independent check of RFC 2617 §3.2.2 from what sipp received (sipp cannot verify Proxy-Authorization).
        const log = (await sipp.exited).messages;
        const header = /^Proxy-Authorization: (.*)$/m.exec(log)?.[1] ?? '';
        const p = Object.fromEntries([...header.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
        const md5 = (t: string) => createHash('md5').update(t).digest('hex');
        const expected = md5(`${md5('trunk7:sipp.test:s3cr3t!')}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${md5(`INVITE:${p.uri}`)}`);
        expect(p).toMatchObject({ username: 'trunk7', realm: 'sipp.test', nonce: '0a4f113b9e5c3d7f', nc: '00000001', qop: 'auth', opaque: 'op4que' });
        expect(p.response).toBe(expected);
      }
      const invites = result.trace.filter((t) => t.direction === 'out' && t.text.startsWith('INVITE '));
      expect(invites).toHaveLength(2);
      expect(invites[1]?.text).toMatch(/CSeq: 2 INVITE/);
      const callId = (t: string | undefined) => /^Call-ID: (.*)$/m.exec(t ?? '')?.[1];
      const fromTag = (t: string | undefined) => /^From: .*;tag=(\S+)/m.exec(t ?? '')?.[1];
      expect(callId(invites[1]?.text)).toBe(callId(invites[0]?.text));
      expect(fromTag(invites[1]?.text)).toBe(fromTag(invites[0]?.text));
      const authLine = new RegExp(`^${status === '401' ? 'Authorization' : 'Proxy-Authorization'}: Digest .*response="\\*\\*\\*"`, 'm');
      expect(invites[1]?.text).toMatch(authLine);
      for (const entry of result.trace) expect(entry.text).not.toContain('s3cr3t');
    });
  }

  it('digest: wrong password -> failed with sip.authFailed', async () => {
    const args = ['-key', 'qop', ', qop="auth"', '-key', 'user', 'trunk7', '-key', 'password', 's3cr3t!'];
    const { sipp, gateway } = await setUp('auth-challenge-401.xml', args, { username: 'trunk7', password: 'wrong' });
    const result = await gateway.call({ to: '+6281234567890', payloads });
    await sippPassed(sipp);
    expect(result.outcome).toBe('failed');
    expect(result.finalStatus).toBe(401);
    expect(result.errors.map((e) => e.code)).toContain('sip.authFailed');
  });

  it('digest: stale=true is retried once with the new nonce', async () => {
    const args = ['-key', 'qop', ', qop="auth"', '-key', 'user', 'trunk7', '-key', 'password', 's3cr3t!'];
    const { sipp, gateway } = await setUp('auth-stale-401.xml', args, { username: 'trunk7', password: 's3cr3t!' });
    const result = await gateway.call({ to: '+6281234567890', payloads });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    const invites = result.trace.filter((t) => t.direction === 'out' && t.text.startsWith('INVITE '));
    expect(invites).toHaveLength(3);
    expect(invites[2]?.text).toContain('nonce="5d3c0ffee0ddba11"');
  });

  it('numberFormat national writes 0812... in the Request-URI', async () => {
    const { sipp, gateway } = await setUp('final-486.xml', ['-key', 'reason_header', 'X-Test: none'], {
      numberFormat: 'national',
    });
    const result = await gateway.call({ to: '+6281234567890', payloads });
    await sippPassed(sipp);
    expect(result.trace[0]?.text).toMatch(/^INVITE sip:081234567890@127\.0\.0\.1:\d+ SIP\/2\.0/);
  });

  it('"Test gateway": OPTIONS reaches sipp', async () => {
    const sipp = await startSipp({ scenario: 'options.xml' });
    const gateway = new SipGateway(config(sipp), { media: new FakeMediaFactory() });
    running.push({ sipp, gateway });
    const result = await gateway.test();
    await sippPassed(sipp);
    expect(result).toMatchObject({ reachable: true, status: 200 });
    expect(result.trace.map((t) => t.text.split('\r\n')[0])).toEqual([expect.stringMatching(/^OPTIONS sip:127\.0\.0\.1:\d+ SIP\/2\.0$/), 'SIP/2.0 200 OK']);
  });

  it('REGISTER with digest, refreshed before expiry, removed on stop (RFC 3261 §10.2)', async () => {
    const sipp = await startSipp({ scenario: 'register.xml', args: ['-key', 'user', 'trunk7', '-key', 'password', 's3cr3t!'] });
    const gateway = new SipGateway(config(sipp, { register: true, registerExpires: 60, username: 'trunk7', password: 's3cr3t!' }), { media: new FakeMediaFactory() });
    running.push({ sipp });
    await gateway.start(); // round 1: granted 2 s, so the refresh comes after 1 s
    await new Promise((r) => setTimeout(r, 1500));
    await gateway.stop(); // round 3: expires 0
    const result = await sipp.exited;
    expect(result.code, result.output.slice(-2000)).toBe(0);
    const registers = result.messages.split(/\n(?=REGISTER )/).filter((m) => m.startsWith('REGISTER '));
    expect(registers).toHaveLength(6);
    const callIds = new Set(registers.map((m) => /^Call-ID: (.*)$/m.exec(m)?.[1]));
    expect(callIds.size).toBe(1); // §10.2.4: same Call-ID for refreshes
    expect(registers.map((m) => /^CSeq: (\d+)/m.exec(m)?.[1])).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(registers[0]).toMatch(/^Expires: 60/m);
    expect(registers[5]).toMatch(/^Expires: 0/m);
  });

  it('REGISTER with a wrong password makes start() fail with the registrar’s refusal (sip.registerRejected, 403)', async () => {
    const sipp = await startSipp({ scenario: 'register.xml', args: ['-key', 'user', 'trunk7', '-key', 'password', 's3cr3t!'] });
    const gateway = new SipGateway(config(sipp, { register: true, registerExpires: 60, username: 'trunk7', password: 'nope' }), { media: new FakeMediaFactory() });
    running.push({ sipp, gateway });
    await expect(gateway.start()).rejects.toMatchObject({ code: 'sip.registerRejected', params: { status: 403, reason: 'Forbidden' } });
  });

  it('"Test gateway": OPTIONS answered, REGISTER refused with 403 -> reachable, not registered, sip.registerRejected', async () => {
    const sipp = await startSipp({ scenario: 'options-register-forbidden.xml', calls: 2 });
    const gateway = new SipGateway(config(sipp, { register: true, username: 'trunk7', password: 's3cr3t!' }), { media: new FakeMediaFactory() });
    running.push({ sipp, gateway });
    const result = await gateway.test();
    await sippPassed(sipp);
    expect(result).toMatchObject({ reachable: true, status: 200, registered: false });
    expect(result.error).toEqual({
      code: 'sip.registerRejected',
      message: expect.stringContaining('refused the registration (SIP 403 Forbidden)'),
      params: { status: 403, reason: 'Forbidden' },
    });
  });
});
