import { describe, expect, it } from 'vitest';
import type { SipRequest, SipResponse } from './message.js';
import { getHeader } from './message.js';
import { ManualTimers, DEFAULT_SIP_TIMERS } from './timers.js';
import { InviteClientTransaction, NonInviteClientTransaction, type TransactionHost } from './transaction.js';

function host(reliable = false) {
  const timers = new ManualTimers(0);
  const sent: { at: number; msg: SipRequest }[] = [];
  const terminated: string[] = [];
  const h: TransactionHost = {
    timers,
    timerValues: DEFAULT_SIP_TIMERS,
    reliable,
    send: async (msg) => {
      sent.push({ at: timers.now(), msg });
    },
    terminated: (key) => terminated.push(key),
  };
  return { h, timers, sent, terminated };
}

const request = (method: string): SipRequest => ({
  kind: 'request',
  method,
  uri: 'sip:+62812@gw',
  headers: [
    { name: 'Via', value: 'SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bKabc' },
    { name: 'Route', value: '<sip:proxy;lr>' },
    { name: 'From', value: '<sip:me@gw>;tag=1' },
    { name: 'To', value: '<sip:+62812@gw>' },
    { name: 'Call-ID', value: 'c1' },
    { name: 'CSeq', value: `7 ${method}` },
  ],
  body: '',
});

const response = (status: number, method = 'INVITE'): SipResponse => ({
  kind: 'response',
  status,
  reason: 'x',
  headers: [
    { name: 'Via', value: 'SIP/2.0/UDP 10.0.0.1:5060;rport=5060;branch=z9hG4bKabc' },
    { name: 'From', value: '<sip:me@gw>;tag=1' },
    { name: 'To', value: '<sip:+62812@gw>;tag=2' },
    { name: 'Call-ID', value: 'c1' },
    { name: 'CSeq', value: `7 ${method}` },
  ],
  body: '',
});

const user = () => {
  const events: string[] = [];
  return { events, user: { onResponse: (r: SipResponse) => events.push(`r${r.status}`), onTimeout: () => events.push('timeout'), onTransportError: () => events.push('error') } };
};

describe('INVITE client transaction (RFC 3261 §17.1.1)', () => {
  it('Timer A doubles from T1 and Timer B gives up at 64*T1', () => {
    const { h, timers, sent, terminated } = host();
    const { events, user: u } = user();
    new InviteClientTransaction(h, request('INVITE'), { host: '10.0.0.2', port: 5060 }, u).start();
    timers.advance(40_000);
    expect(sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(events).toEqual(['timeout']);
    expect(terminated).toEqual(['z9hG4bKabc|INVITE']);
  });

  it('no retransmissions on TCP', () => {
    const { h, timers, sent } = host(true);
    new InviteClientTransaction(h, request('INVITE'), { host: '10.0.0.2', port: 5060 }, user().user).start();
    timers.advance(40_000);
    expect(sent).toHaveLength(1);
  });

  it('a provisional stops Timer A and B; a non-2xx is ACKed with the same branch and absorbed for Timer D', () => {
    const { h, timers, sent, terminated } = host();
    const { events, user: u } = user();
    const tx = new InviteClientTransaction(h, request('INVITE'), { host: '10.0.0.2', port: 5060 }, u);
    tx.start();
    timers.advance(600);
    tx.receive(response(180));
    timers.advance(60_000);
    expect(sent).toHaveLength(2);
    expect(events).toEqual(['r180']);
    tx.receive(response(486));
    tx.receive(response(486)); // retransmitted final: ACK again, not passed up
    const acks = sent.filter((s) => s.msg.method === 'ACK');
    expect(acks).toHaveLength(2);
    expect(getHeader(acks[0]!.msg, 'Via')).toContain('branch=z9hG4bKabc');
    expect(getHeader(acks[0]!.msg, 'To')).toContain('tag=2');
    expect(getHeader(acks[0]!.msg, 'CSeq')).toBe('7 ACK');
    expect(getHeader(acks[0]!.msg, 'Route')).toBe('<sip:proxy;lr>');
    expect(acks[0]!.msg.uri).toBe('sip:+62812@gw');
    expect(events).toEqual(['r180', 'r486']);
    timers.advance(31_999);
    expect(terminated).toEqual([]);
    timers.advance(1);
    expect(terminated).toEqual(['z9hG4bKabc|INVITE']);
  });

  it('passes every 2xx retransmission up to the dialog (RFC 6026 Accepted), none after Timer M', () => {
    const { h, timers, sent, terminated } = host();
    const { events, user: u } = user();
    const tx = new InviteClientTransaction(h, request('INVITE'), { host: '10.0.0.2', port: 5060 }, u);
    tx.start();
    tx.receive(response(200));
    tx.receive(response(200));
    expect(events).toEqual(['r200', 'r200']);
    expect(sent.filter((s) => s.msg.method === 'ACK')).toHaveLength(0); // the 2xx ACK belongs to the dialog
    timers.advance(32_000);
    expect(terminated).toHaveLength(1);
  });
});

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('Timer E doubles to T2, Timer F at 64*T1', () => {
    const { h, timers, sent } = host();
    const { events, user: u } = user();
    new NonInviteClientTransaction(h, request('BYE'), { host: '10.0.0.2', port: 5060 }, u).start();
    timers.advance(40_000);
    expect(sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(events).toEqual(['timeout']);
  });

  it('retransmits at T2 once Proceeding; Timer K absorbs retransmitted finals', () => {
    const { h, timers, sent, terminated } = host();
    const { events, user: u } = user();
    const tx = new NonInviteClientTransaction(h, request('OPTIONS'), { host: '10.0.0.2', port: 5060 }, u);
    tx.start();
    tx.receive(response(100, 'OPTIONS'));
    timers.advance(4500);
    expect(sent.map((s) => s.at)).toEqual([0, 500, 4500]);
    tx.receive(response(200, 'OPTIONS'));
    tx.receive(response(200, 'OPTIONS'));
    expect(events).toEqual(['r100', 'r200']);
    timers.advance(5000);
    expect(terminated).toEqual(['z9hG4bKabc|OPTIONS']);
  });
});
