import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualTimers } from '../sip/timers.js';
import { SipGateway } from './sipGateway.js';
import { FakeMediaFactory } from './testing/fakeMedia.js';
import { parseMessage } from '../sip/parser.js';
import { localGatewayConfig } from './testing/localGateway.js';

/** Timer behaviour of whole calls in virtual time: no test sleeps 32 s. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function silentPeer() {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (m) => received.push(m.toString()));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise((r) => socket.close(() => r())));
  return { socket, received, port: socket.address().port };
}

const flush = () => new Promise((r) => setImmediate(r));

async function advance(timers: ManualTimers, ms: number, step = 250) {
  for (let t = 0; t < ms; t += step) {
    timers.advance(step);
    await flush();
  }
}

function gateway(port: number, timers: ManualTimers) {
  const g = new SipGateway(
    localGatewayConfig(port, { callerId: { user: '100' }, ringTimeoutMs: 60_000 }),
    { media: new FakeMediaFactory(), timers },
  );
  cleanups.push(() => g.stop());
  return g;
}

describe('call timers in virtual time', () => {
  it('no response: INVITE retransmitted by Timer A (7 sends), Timer B ends the call as failed', async () => {
    const peer = await silentPeer();
    const timers = new ManualTimers();
    const g = gateway(peer.port, timers);
    await g.start();
    const pending = g.call({ to: '+6281234567890', payloads: { pcma: new Uint8Array(160), pcmu: new Uint8Array(160) } });
    await flush();
    await advance(timers, 32_500);
    const result = await pending;
    expect(peer.received.filter((m) => m.startsWith('INVITE '))).toHaveLength(7);
    expect(result.outcome).toBe('failed');
    expect(result.finalStatus).toBeNull();
    expect(result.errors[0]?.code).toBe('sip.noResponse');
    expect(result.ringMs).toBe(32_000);
  });

  it('ring timeout before any provisional: CANCEL waits for the 180 (§9.1)', async () => {
    const peer = await silentPeer();
    const timers = new ManualTimers();
    const g = gateway(peer.port, timers);
    await g.start();
    const pending = g.call({ to: '+6281234567890', payloads: { pcma: new Uint8Array(160), pcmu: new Uint8Array(160) }, ringTimeoutMs: 1000 });
    await flush();
    await advance(timers, 2000);
    expect(peer.received.some((m) => m.startsWith('CANCEL '))).toBe(false);
    // The gateway now rings: answer the INVITE with 180 from the peer.
    const invite = parseMessage(peer.received[0]!);
    if (!invite.ok || invite.message.kind !== 'request') throw new Error('no INVITE');
    const copy = (name: string) => invite.message.headers.filter((h) => h.name === name).map((h) => `${h.name}: ${h.value}`);
    const ringing = ['SIP/2.0 180 Ringing', ...copy('Via'), ...copy('From'), `${copy('To')[0]};tag=peer1`, ...copy('Call-ID'), ...copy('CSeq'), 'Content-Length: 0', '', ''].join('\r\n');
    const localPort = g.localPort!;
    peer.socket.send(ringing, localPort, '127.0.0.1');
    for (let i = 0; i < 20 && !peer.received.some((m) => m.startsWith('CANCEL ')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(peer.received.some((m) => m.startsWith('CANCEL '))).toBe(true);
    // No 487 ever comes: 64*T1 after the CANCEL the INVITE is considered cancelled.
    await advance(timers, 32_500);
    const result = await pending;
    expect(result.outcome).toBe('noAnswer');
    expect(result.finalStatus).toBeNull();
  });
});

describe('"Test gateway" timers in virtual time', () => {
  it('no answer to OPTIONS: Timer F ends it as not reachable with sip.noResponse, as a call without an answer', async () => {
    const peer = await silentPeer();
    const timers = new ManualTimers();
    const pending = gateway(peer.port, timers).test();
    // The temporary SIP socket opens in real time; the clock may only move once the OPTIONS is out.
    await vi.waitFor(() => expect(peer.received.some((m) => m.startsWith('OPTIONS '))).toBe(true), { timeout: 10_000, interval: 10 });
    await advance(timers, 32_500);
    const result = await pending;
    expect(result).toMatchObject({ reachable: false, status: null });
    expect(result.error).toMatchObject({ code: 'sip.noResponse', message: expect.stringContaining('OPTIONS') });
  });
});
