import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { MediaFactory, MediaOpenOptions, MediaSession } from '../media/types.js';
import { getHeader, type SipRequest } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { ManualTimers } from '../sip/timers.js';
import { SipGateway } from './sipGateway.js';
import { FakeMediaFactory } from './testing/fakeMedia.js';
import { localGatewayConfig } from './testing/localGateway.js';

/**
 * The paths of callState.ts that the sipp scenarios do not take, in virtual
 * time against a scripted UDP peer: a CANCEL that must wait for a
 * provisional, a 2xx after an abort, a gateway stop before any answer, an
 * abort while the media opens. Each also checks that the call refused no
 * event (`ignored ... in state ...` in the log).
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const flush = () => new Promise((r) => setImmediate(r));
const payloads = { pcma: new Uint8Array(160), pcmu: new Uint8Array(160) };
const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40100 RTP/AVP 8', 'a=rtpmap:8 PCMA/8000', ''].join('\r\n');

/** A gateway that answers BYE and CANCEL with 200 and lets the test answer the INVITE. */
async function scriptedPeer() {
  const socket = createSocket('udp4');
  const received: SipRequest[] = [];
  let uaPort = 0;
  const send = (text: string) => socket.send(text, uaPort, '127.0.0.1');
  const reply = (request: SipRequest, status: string, toTag: string | null, extra: string[] = [], body = '') => {
    const copy = (name: string) => request.headers.filter((h) => h.name === name).map((h) => `${h.name}: ${h.value}`);
    const to = `To: ${getHeader(request, 'To')}${toTag && !/;tag=/.test(getHeader(request, 'To') ?? '') ? `;tag=${toTag}` : ''}`;
    send([`SIP/2.0 ${status}`, ...copy('Via'), ...copy('From'), to, ...copy('Call-ID'), ...copy('CSeq'), ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
  };
  socket.on('message', (m, rinfo) => {
    uaPort = rinfo.port;
    const parsed = parseMessage(m.toString());
    if (!parsed.ok || parsed.message.kind !== 'request') return;
    const request = parsed.message;
    received.push(request);
    if (request.method === 'BYE' || request.method === 'CANCEL') reply(request, '200 OK', null);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise((r) => socket.close(() => r())));
  const invite = () => received.find((r) => r.method === 'INVITE')!;
  const port = socket.address().port;
  return {
    port,
    methods: () => received.map((r) => r.method),
    ringing: () => reply(invite(), '180 Ringing', 'peer1'),
    answer: () => reply(invite(), '200 OK', 'peer1', [`Contact: <sip:peer@127.0.0.1:${port}>`, 'Content-Type: application/sdp'], SDP),
  };
}

/**
 * A started gateway against a scripted peer, and one call placed through it
 * with an AbortSignal; `refused` lists the events the call logged as refused.
 */
async function placeCall(media: MediaFactory = new FakeMediaFactory()) {
  const peer = await scriptedPeer();
  const timers = new ManualTimers();
  const log: string[] = [];
  const gateway = new SipGateway(localGatewayConfig(peer.port, { ringTimeoutMs: 1000 }), { media, timers, log: (line) => log.push(line) });
  cleanups.push(() => gateway.stop());
  await gateway.start();
  const controller = new AbortController();
  const pending = gateway.call({ to: '+6281234567890', payloads, signal: controller.signal });
  return { peer, timers, gateway, controller, pending, refused: () => log.filter((line) => line.includes(' ignored ')) };
}

async function until(check: () => boolean) {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('call states in virtual time (callState.ts)', () => {
  it('ring timeout before any provisional, then a 200: the call is still taken (cancelWaiting -> confirmed)', async () => {
    const { peer, timers, controller, pending, refused } = await placeCall();
    await until(() => peer.methods().includes('INVITE'));
    timers.advance(1500); // Timer A sends the INVITE again on the way
    peer.answer();
    await until(() => peer.methods().includes('ACK'));
    controller.abort(); // the task stops: BYE
    const result = await pending;
    expect([...new Set(peer.methods())]).toEqual(['INVITE', 'ACK', 'BYE']); // no CANCEL: no provisional ever came
    expect(result).toMatchObject({ outcome: 'answered', hungUpBy: 'system', finalStatus: 200 });
    expect(refused()).toEqual([]);
  });

  it('aborted before any provisional: CANCEL waits for the 180; a 200 then is ACKed and hung up (abortWaiting -> hangingUp)', async () => {
    const { peer, controller, pending, refused } = await placeCall();
    await until(() => peer.methods().includes('INVITE'));
    controller.abort();
    await flush();
    expect(peer.methods()).toEqual(['INVITE']); // §9.1: no CANCEL before a provisional
    peer.answer();
    const result = await pending;
    expect(peer.methods()).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(result.outcome).toBe('failed');
    expect(result.answeredAt).toBeNull();
    expect(result.errors.map((e) => e.code)).toEqual(['sip.answeredAfterCancel']);
    expect(refused()).toEqual([]);
  });

  it('aborted before any provisional, then a 180: CANCEL goes at once (abortWaiting -> cancelling)', async () => {
    const { peer, timers, controller, pending, refused } = await placeCall();
    await until(() => peer.methods().includes('INVITE'));
    controller.abort();
    peer.ringing();
    await until(() => peer.methods().includes('CANCEL'));
    timers.advance(32_500); // no 487 ever comes: 64*T1 after the CANCEL the INVITE counts as cancelled
    const result = await pending;
    expect(result).toMatchObject({ outcome: 'noAnswer', finalStatus: null });
    expect(result.errors).toEqual([]);
    expect(refused()).toEqual([]);
  });

  it('the gateway stops before any provisional: the call ends at once as stopped (calling -> ended)', async () => {
    const { peer, gateway, pending, refused } = await placeCall();
    await until(() => peer.methods().includes('INVITE'));
    await gateway.stop();
    const result = await pending;
    expect(peer.methods()).toEqual(['INVITE']);
    expect(result).toMatchObject({ outcome: 'failed', finalStatus: null });
    expect(result.errors.map((e) => e.message)).toEqual(['The call was stopped before the gateway answered.']);
    expect(refused()).toEqual([]);
  });

  it('aborted while the media opens: nothing is sent, one call.aborted, and the media opened late is closed (setup -> ended)', async () => {
    const fake = new FakeMediaFactory();
    let open: () => void = () => undefined;
    const slow: MediaFactory = { open: (options: MediaOpenOptions) => new Promise<MediaSession>((resolve) => (open = () => resolve(fake.open(options)))) };
    const { peer, controller, pending, refused } = await placeCall(slow);
    await flush();
    controller.abort();
    const result = await pending;
    expect(result.errors.map((e) => [e.code, e.message])).toEqual([['call.aborted', 'The call was stopped before the gateway answered.']]);
    open();
    await until(() => fake.sessions.length === 1 && fake.sessions[0]!.closed);
    expect(peer.methods()).toEqual([]);
    expect(refused()).toEqual([]);
  });
});
