import type { SipMessage } from './message.js';

/**
 * Writes a message in wire form (RFC 3261 §7) with full header names and a
 * Content-Length computed in bytes (always present: mandatory on TCP, §20.14).
 */
export function serializeMessage(msg: SipMessage): Buffer {
  const start = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const lines = [start];
  for (const h of msg.headers) {
    if (h.name.toLowerCase() === 'content-length') continue;
    lines.push(`${h.name}: ${h.value.replace(/[\r\n]+/g, ' ')}`);
  }
  const body = Buffer.from(msg.body, 'utf8');
  lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), body]);
}
