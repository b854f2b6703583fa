/** Real-looking SIP messages for the parser tests and the fuzz seeds (RFC 3261 §24 style). */
export const INVITE = [
  'INVITE sip:+6281234567890@gw.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: <sip:+6281234567890@gw.example.com>',
  'From: "Toko, Sinar" <sip:021555@gw.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@192.0.2.10',
  'CSeq: 314159 INVITE',
  'Contact: <sip:021555@192.0.2.10:5060>',
  'Content-Type: application/sdp',
  'Content-Length: 8',
  '',
  'v=0\r\ns=-',
].join('\r\n');

export const SAMPLE_MESSAGES = [
  INVITE,
  [
    'SIP/2.0 180 Ringing',
    'v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK4b43c2ff8.1, SIP/2.0/UDP 192.0.2.10:5060;rport=5060;received=203.0.113.5;branch=z9hG4bK776asdhds',
    'f: <sip:021555@gw.example.com>;tag=1928301774',
    't: <sip:+6281234567890@gw.example.com>;tag=a6c85cf',
    'i: a84b4c76e66710@192.0.2.10',
    'CSeq: 314159 INVITE',
    'm: <sip:callee@198.51.100.4>',
    'Reason: Q.850;cause=16;text="Normal, clearing"',
    'l: 0',
    '',
    '',
  ].join('\r\n'),
];
