import { afterEach, describe, expect, it } from 'vitest';
import { startLossyRelay, startSipp, type SippRun, type UdpRelay } from '../../../tests/support/sipp.js';
import type { CallResult } from '../../../shared/telephony/callResult.js';
import type { GatewayConfig } from './config.js';
import { SipGateway } from './sipGateway.js';
import { FakeMediaFactory } from './testing/fakeMedia.js';
import { localGatewayConfig } from './testing/localGateway.js';

/**
 * Issue 10's signalling defects against real sipp: redirects (RFC 3261
 * §8.1.3.4), reliable provisionals (RFC 3262), responses that are not the
 * answer (§8.1.3.3, §18.3), the callee's Q.850 cause (RFC 3326), UPDATE
 * (RFC 3311) and session timers (RFC 4028).
 */
const running: { sipp?: SippRun; gateway?: SipGateway; relay?: UdpRelay }[] = [];

/** Events a call's state table refused (outboundCall.ts logs them): every scenario here is one it must take. */
const refused: string[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.gateway?.stop();
    await r.sipp?.kill();
    await r.relay?.close();
  }
  expect(refused.splice(0)).toEqual([]);
});

/** 1600 bytes of G.711 = 200 ms of audio. */
const payloads = { pcma: new Uint8Array(1600).fill(0xd5), pcmu: new Uint8Array(1600).fill(0xff) };
const TO = '+6281234567890';

async function setUp(scenario: string, args: string[] = [], overrides: Partial<GatewayConfig> = {}, transport: 'udp' | 'tcp' = 'udp') {
  const sipp = await startSipp({ scenario, args, transport });
  const media = new FakeMediaFactory();
  const gateway = new SipGateway(localGatewayConfig(sipp.port, { transport, ...overrides }), {
    media,
    log: (l) => {
      if (/ ignored \w+ in state /.test(l)) refused.push(l);
    },
  });
  running.push({ sipp, gateway });
  await gateway.start();
  return { sipp, gateway, media };
}

async function sippPassed(sipp: SippRun): Promise<void> {
  const result = await sipp.exited;
  if (result.code !== 0) throw new Error(`sipp failed (exit ${result.code}):\n${result.errors}\n${result.output.slice(-3000)}\n${result.messages.slice(-6000)}`);
}

const sent = (result: CallResult, method: string) => result.trace.filter((t) => t.direction === 'out' && t.text.startsWith(`${method} `));
const header = (text: string | undefined, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text ?? '')?.[1]?.trim();

describe('redirects (RFC 3261 §8.1.3.4)', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`follows a 302 to its usable Contact over ${transport}: same Call-ID and From tag, next CSeq, each hop recorded`, async () => {
      const { sipp, gateway } = await setUp('redirect-follow.xml', [], {}, transport);
      const result = await gateway.call({ to: TO, payloads });
      await sippPassed(sipp); // sipp checked the second INVITE's Request-URI and CSeq
      expect(result.outcome).toBe('answered');
      expect(result.errors).toEqual([]);
      expect(result.redirects).toEqual([{ status: 302, target: `sip:forwarded@127.0.0.1:${sipp.port};transport=${transport.toUpperCase()}` }]);
      const invites = sent(result, 'INVITE');
      expect(invites).toHaveLength(2);
      expect(header(invites[1]?.text, 'Call-ID')).toBe(header(invites[0]?.text, 'Call-ID'));
      expect(header(invites[1]?.text, 'From')).toBe(header(invites[0]?.text, 'From'));
      expect(sent(result, 'ACK')).toHaveLength(2); // the 302's (same branch as INVITE 1) and the 200's
      expect(result.trace.some((t) => t.direction === 'in' && t.text.startsWith('SIP/2.0 302 '))).toBe(true);
    });
  }

  it('with an outbound proxy, the redirected INVITE goes through the proxy too (Route kept, Request-URI the Contact)', async () => {
    const sipp = await startSipp({ scenario: 'redirect-follow.xml' });
    // The gateway itself (192.0.2.10, TEST-NET) is never reached: every request goes to the proxy, here sipp.
    const gateway = new SipGateway(localGatewayConfig(5060, { host: '192.0.2.10', outboundProxy: { host: '127.0.0.1', port: sipp.port } }), { media: new FakeMediaFactory() });
    running.push({ sipp, gateway });
    await gateway.start();
    const result = await gateway.call({ to: TO, payloads });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    const invites = sent(result, 'INVITE');
    expect(invites.map((i) => i.remote)).toEqual([`udp:127.0.0.1:${sipp.port}`, `udp:127.0.0.1:${sipp.port}`]);
    expect(header(invites[1]?.text, 'Route')).toBe(`<sip:127.0.0.1:${sipp.port};lr>`);
    expect(invites[1]?.text).toMatch(new RegExp(`^INVITE sip:forwarded@127\\.0\\.0\\.1:${sipp.port};transport=UDP SIP/2\\.0`));
  });

  it('stops after 3 hops: the 4th 302 ends the call with sip.redirected', async () => {
    const { sipp, gateway } = await setUp('redirect-chain.xml');
    const result = await gateway.call({ to: TO, payloads });
    await sippPassed(sipp);
    expect(result.outcome).toBe('failed');
    expect(result.finalStatus).toBe(302);
    expect(result.redirects?.map((r) => r.target.split('@')[0])).toEqual(['sip:hop1', 'sip:hop2', 'sip:hop3']);
    expect(sent(result, 'INVITE')).toHaveLength(4);
    expect(result.errors).toEqual([
      {
        code: 'sip.redirected',
        message: expect.stringContaining('already redirected 3 times'),
        params: { status: 302, contact: `sip:hop4@127.0.0.1:${sipp.port};transport=UDP`, redirect: 'tooManyHops' },
      },
    ]);
  });

  it('a redirect back to an address already tried is a loop: not followed', async () => {
    const { sipp, gateway } = await setUp('redirect-loop.xml');
    const result = await gateway.call({ to: TO, payloads });
    await sippPassed(sipp);
    expect(result.outcome).toBe('failed');
    expect(result.redirects?.map((r) => r.target.split('@')[0])).toEqual(['sip:hop1']);
    expect(sent(result, 'INVITE')).toHaveLength(2);
    expect(result.errors).toEqual([
      { code: 'sip.redirected', message: expect.stringContaining('already tried'), params: { status: 302, contact: `sip:${TO}@127.0.0.1:${sipp.port}`, redirect: 'loop' } },
    ]);
  });

  const unfollowable: [string, string, string][] = [
    ['another transport', 'sip:other@127.0.0.1:5070;transport=tcp', 'otherTransport'],
    ['a tel: URI', 'tel:+6281111111111', 'notSip'],
    ['a sips: URI', 'sips:secure@127.0.0.1:5061', 'notSip'],
  ];
  for (const [name, contact, why] of unfollowable) {
    it(`a 302 to ${name} cannot be followed: failed with sip.redirected and the Contact`, async () => {
      const { sipp, gateway } = await setUp('redirect-unfollowable.xml', ['-key', 'contact', contact]);
      const result = await gateway.call({ to: TO, payloads });
      await sippPassed(sipp); // our ACK for the 302 arrived
      expect(result.outcome).toBe('failed');
      expect(result.finalStatus).toBe(302);
      expect(result.redirects).toEqual([]);
      expect(result.errors).toEqual([{ code: 'sip.redirected', message: expect.stringContaining(contact), params: { status: 302, contact, redirect: why } }]);
      expect(sent(result, 'INVITE')).toHaveLength(1);
    });
  }
});

describe('reliable provisional responses (RFC 3262)', () => {
  /** sipp behind a relay standing at the 1xx Contact, so in-dialog requests (the PRACKs) cross it and can be lost. */
  async function behindRelay(scenario: string, drop: (text: string, fromUa: boolean) => boolean) {
    const relay = await startLossyRelay(drop);
    const sipp = await startSipp({ scenario, args: ['-key', 'contact_port', String(relay.port)] });
    relay.setTarget(sipp);
    const media = new FakeMediaFactory();
    const gateway = new SipGateway(localGatewayConfig(relay.port), { media });
    running.push({ sipp, gateway, relay });
    await gateway.start();
    return { sipp, gateway, media, relay };
  }

  it('INVITE says Supported: 100rel; 183 with SDP and 180 are PRACKed with RAck; the 183 answer is used; BYE continues the CSeq', async () => {
    const { sipp, gateway, media } = await behindRelay('prack-required.xml', () => false);
    const result = await gateway.call({ to: TO, payloads });
    await sippPassed(sipp); // sipp checked Supported, both RAcks, and BYE CSeq 4
    expect(result.outcome).toBe('answered');
    expect(result.errors).toEqual([]);
    const pracks = sent(result, 'PRACK');
    expect(pracks.map((p) => [header(p.text, 'RAck'), header(p.text, 'CSeq')])).toEqual([
      ['1 1 INVITE', '2 PRACK'],
      ['2 1 INVITE', '3 PRACK'],
    ]);
    expect(pracks[0]?.text).toMatch(/^To: .*;tag=/m); // in the early dialog
    // The 200 OK had no SDP: the answer is the one of the reliable 183 (PCMU on port 41830).
    expect(media.sessions[0]?.negotiated).toMatchObject({ codec: 'PCMU', remotePort: 41830 });
    expect(header(sent(result, 'INVITE')[0]?.text, 'Supported')).toContain('100rel');
  });

  it('a lost PRACK is retransmitted until its 200; the 183 retransmissions get no second PRACK', async () => {
    // The first two PRACK sends are lost (0 and 500 ms): sipp retransmits its 183 meanwhile (500 ms), and the third send (1500 ms) arrives.
    let pracks = 0;
    const { sipp, gateway, relay } = await behindRelay('prack-required.xml', (text, fromUa) => fromUa && text.startsWith('PRACK ') && ++pracks <= 2);
    const result = await gateway.call({ to: TO, payloads });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(relay.dropped).toEqual([expect.stringMatching(/^PRACK /), expect.stringMatching(/^PRACK /)]);
    const first = sent(result, 'PRACK').filter((p) => header(p.text, 'RAck') === '1 1 INVITE');
    expect(first.length).toBe(3); // Timer E retransmissions of one transaction (§17.1.2.2)
    expect(new Set(first.map((p) => /branch=([^;\s]+)/.exec(p.text)?.[1])).size).toBe(1);
    expect(result.trace.filter((t) => t.direction === 'in' && t.text.startsWith('SIP/2.0 183 ')).length).toBeGreaterThanOrEqual(2);
  });
});

describe('responses that are not the answer', () => {
  it('a 200 OK with the right branch but another Call-ID is not the answer: the call rings on and says why', async () => {
    const { sipp, gateway } = await setUp('wrong-callid-200.xml');
    const result = await gateway.call({ to: TO, payloads, ringTimeoutMs: 1200 });
    await sippPassed(sipp); // our CANCEL, not an ACK for the foreign 200, came next
    expect(result.outcome).toBe('noAnswer');
    expect(result.finalStatus).toBe(487);
    expect(result.answeredAt).toBeNull();
    expect(sent(result, 'ACK')).toHaveLength(1); // the 487's only
    expect(result.errors).toEqual([
      { code: 'sip.responseDropped', message: expect.stringContaining('200 OK response was ignored'), params: { status: 200, detail: expect.stringContaining('Call-ID') } },
    ]);
    expect(result.trace.some((t) => t.direction === 'in' && /^Call-ID: not-this-call-/m.test(t.text))).toBe(true);
  });

  it('a 200 OK dropped for a bad Content-Length: "no answer" with sip.responseDropped saying why', async () => {
    const { sipp, gateway } = await setUp('bad-length-200.xml');
    const result = await gateway.call({ to: TO, payloads, ringTimeoutMs: 1200 });
    await sippPassed(sipp);
    expect(result.outcome).toBe('noAnswer');
    expect(result.errors).toEqual([
      { code: 'sip.responseDropped', message: expect.stringContaining('Content-Length'), params: { status: 200, detail: 'truncated: body shorter than Content-Length' } },
    ]);
    expect(result.trace.some((t) => t.direction === 'in' && t.text.startsWith('SIP/2.0 200 OK'))).toBe(true);
  });
});

describe('a dropped final response with nothing else', () => {
  it('only a malformed 200 OK, then Timer B: sip.responseDropped, not sip.noResponse (the gateway was not silent)', async () => {
    const sipp = await startSipp({ scenario: 'bad-length-200-only.xml' });
    // T1 = 50 ms: Timer B (64*T1) ends the INVITE after 3.2 s instead of 32 s.
    const gateway = new SipGateway(localGatewayConfig(sipp.port), { media: new FakeMediaFactory(), timerValues: { t1: 50, t2: 400, t4: 500 } });
    running.push({ sipp, gateway });
    await gateway.start();
    const result = await gateway.call({ to: TO, payloads });
    expect(result.outcome).toBe('failed');
    expect(result.finalStatus).toBeNull();
    expect(result.errors.map((e) => e.code)).toEqual(['sip.responseDropped']);
  });
});

describe("the callee's Q.850 cause (RFC 3326)", () => {
  it('a BYE from the callee with Reason: Q.850;cause=16 is stored as the call\'s cause', async () => {
    const { sipp, gateway } = await setUp('answer-callee-hangs-up.xml');
    const result = await gateway.call({ to: TO, payloads: { pcma: new Uint8Array(80_000), pcmu: new Uint8Array(80_000) } });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('callee');
    expect(result.q850Cause).toBe(16);
  });
});

describe('UPDATE (RFC 3311) and session timers (RFC 4028)', () => {
  /** 10 s of audio: the call outlasts the scenario, so every BYE in these tests is the callee's or a timer's. */
  const long = { pcma: new Uint8Array(80_000), pcmu: new Uint8Array(80_000) };

  it('refreshes by UPDATE when asked to be the refresher; answers UPDATE with a hold offer, a refresh without SDP, and 422 below Min-SE', async () => {
    const { sipp, gateway, media } = await setUp('update-session-timer.xml');
    const result = await gateway.call({ to: TO, payloads: long });
    await sippPassed(sipp); // sipp checked the refresh's Session-Expires, the SDP answer, the granted interval with Require: timer, and Min-SE
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('callee');
    expect(result.errors).toEqual([]);
    const updates = sent(result, 'UPDATE');
    expect(updates).toHaveLength(1);
    expect(header(updates[0]?.text, 'Session-Expires')).toBe('2;refresher=uac');
    expect(updates[0]?.text).not.toMatch(/^Content-Type:/m);
    expect(media.sessions[0]?.reoffers).toHaveLength(1);
    expect(media.sessions[0]?.reoffers[0]).toContain('a=sendonly');
    const responses = result.trace.filter((t) => t.direction === 'out' && t.text.startsWith('SIP/2.0 ')).map((t) => t.text.split('\r\n')[0]);
    expect(responses).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK', 'SIP/2.0 422 Session Interval Too Small', 'SIP/2.0 200 OK']);
  });

  it('refreshes by re-INVITE (with the SDP offer) when the peer does not allow UPDATE', async () => {
    const { sipp, gateway, media } = await setUp('session-reinvite-refresh.xml');
    const result = await gateway.call({ to: TO, payloads: long });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.errors).toEqual([]);
    const invites = sent(result, 'INVITE');
    expect(invites.map((i) => header(i.text, 'CSeq'))).toEqual(['1 INVITE', '2 INVITE']);
    expect(sent(result, 'ACK').map((a) => header(a.text, 'CSeq'))).toEqual(['1 ACK', '2 ACK']);
    expect(media.sessions[0]?.answers).toHaveLength(2); // the 200 OK's answer and the refresh's
    expect(sent(result, 'UPDATE')).toHaveLength(0);
  });

  it('an UPDATE refresh answered 501 (though Allow listed UPDATE) is done again as a re-INVITE', async () => {
    const { sipp, gateway } = await setUp('session-update-501.xml');
    const result = await gateway.call({ to: TO, payloads: long });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('callee');
    expect(result.errors).toEqual([]);
    expect(sent(result, 'UPDATE')).toHaveLength(1);
    expect(sent(result, 'INVITE').map((i) => header(i.text, 'CSeq'))).toEqual(['1 INVITE', '3 INVITE']);
  });

  it('a refresh that fails (481) ends the call cleanly with BYE and sip.sessionRefreshFailed', async () => {
    const { sipp, gateway } = await setUp('session-refresh-fails.xml');
    const result = await gateway.call({ to: TO, payloads: long });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.hungUpBy).toBe('system');
    expect(result.errors).toEqual([
      { code: 'sip.sessionRefreshFailed', message: expect.stringContaining('481'), params: { method: 'UPDATE', detail: '481 Call/Transaction Does Not Exist' } },
    ]);
  });

  it('the callee as refresher never refreshes: the UA hangs up before the session expires (sip.sessionExpired)', async () => {
    const { sipp, gateway } = await setUp('session-expires-unrefreshed.xml');
    const result = await gateway.call({ to: TO, payloads: long });
    await sippPassed(sipp);
    expect(result.hungUpBy).toBe('system');
    expect(result.answeredMs).toBeGreaterThanOrEqual(1900);
    expect(result.answeredMs).toBeLessThan(3000);
    expect(result.errors).toEqual([{ code: 'sip.sessionExpired', message: expect.any(String), params: { seconds: 3 } }]);
  });

  it('422 to the INVITE: INVITE again with the Min-SE it asked for', async () => {
    const { sipp, gateway } = await setUp('session-422.xml');
    const result = await gateway.call({ to: TO, payloads: long });
    await sippPassed(sipp);
    expect(result.outcome).toBe('answered');
    expect(result.errors).toEqual([]);
    const invites = sent(result, 'INVITE');
    expect(invites).toHaveLength(2);
    expect(header(invites[1]?.text, 'Session-Expires')).toBe('1800');
    expect(header(invites[1]?.text, 'Min-SE')).toBe('1800');
  });
});

describe('the stored trace of a long call', () => {
  it('keeps the INVITE and the final BYE with a marker between (225 messages: the first 100, a marker for 25, the last 100)', async () => {
    const { sipp, gateway } = await setUp('long-call-options.xml');
    const result = await gateway.call({ to: TO, payloads: { pcma: new Uint8Array(160_000), pcmu: new Uint8Array(160_000) } });
    await sippPassed(sipp);
    expect(result.hungUpBy).toBe('callee');
    expect(result.trace).toHaveLength(201);
    expect(result.trace[0]?.text).toMatch(/^INVITE /);
    expect(result.trace[100]).toMatchObject({ direction: 'omitted', omitted: 25 });
    expect(result.trace[199]?.text).toMatch(/^BYE /);
    expect(result.trace[200]?.text).toMatch(/^SIP\/2.0 200 OK[\s\S]*CSeq: \d+ BYE/);
  });
});
