import { describe, expect, it } from 'vitest';
import { getHeaderList, getHeader } from './message.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import { TcpFramer } from './tcpFramer.js';
import { parseNameAddr, parseSipUri } from './uri.js';
import { parseVia } from './via.js';
import { parseChallenge } from './digest.js';
import { parseReasonHeaders } from '../../../shared/telephony/reason.js';
// The dry-run gateway's seeded PRNG: a failure replays from its seed.
import { prng } from '../dryRunGateway.js';
import { SAMPLE_MESSAGES } from './testing/samples.js';

const TOKENS = ['\r\n', ':', ';', ',', '<', '>', '"', '\\', '=', ' ', '\t', 'Content-Length: 99999999999', 'l: 5', 'CSeq: ', 'Via: ', 'SIP/2.0', '\0', '\u00ff', '[', ']', '@', 'z9hG4bK'];

function mutate(input: Buffer, random: () => number): Buffer {
  const bytes = [...input];
  const edits = 1 + Math.floor(random() * 8);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (bytes.length + 1));
    const kind = random();
    if (kind < 0.3) bytes.splice(at, 1 + Math.floor(random() * 20));
    else if (kind < 0.6) bytes.splice(at, 0, ...Buffer.from(TOKENS[Math.floor(random() * TOKENS.length)]!));
    else if (kind < 0.8) bytes[at] = Math.floor(random() * 256);
    else bytes.splice(Math.floor(random() * bytes.length)); // truncate
  }
  return Buffer.from(bytes);
}

/** Everything a handler might do with a parsed message must not throw either. */
function exercise(data: Buffer): void {
  const parsed = parseMessage(data);
  if (!parsed.ok) return;
  const msg = parsed.message;
  for (const v of getHeaderList(msg, 'Via')) parseVia(v);
  for (const name of ['From', 'To', 'Contact']) {
    const value = getHeader(msg, name);
    const addr = value ? parseNameAddr(value) : null;
    if (addr) parseSipUri(addr.uri);
  }
  parseChallenge(getHeader(msg, 'WWW-Authenticate') ?? '');
  parseReasonHeaders([getHeader(msg, 'Reason') ?? '']);
  if (msg.kind === 'request') parseSipUri(msg.uri);
  parseMessage(serializeMessage(msg));
}

describe('SIP parser fuzz (issue 3: no exception escapes)', () => {
  it('20,000 random and mutated messages', () => {
    const random = prng(20260115);
    const seeds = SAMPLE_MESSAGES.map((m) => Buffer.from(m));
    let accepted = 0;
    const framer = new TcpFramer(
      (m) => exercise(m),
      () => undefined,
    );
    for (let i = 0; i < 20_000; i++) {
      let data: Buffer;
      if (i % 4 === 0) {
        data = Buffer.from(Array.from({ length: Math.floor(random() * 600) }, () => Math.floor(random() * 256)));
      } else {
        data = mutate(seeds[i % seeds.length]!, random);
      }
      expect(() => exercise(data), `case ${i}`).not.toThrow();
      expect(() => framer.push(data)).not.toThrow();
      if (parseMessage(data).ok) accepted++;
    }
    // The mutations keep a share of messages valid, so the handlers above are really exercised.
    expect(accepted).toBeGreaterThan(500);
  });
});
