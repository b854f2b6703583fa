import { sameHeaderName, type SipMessage } from './message.js';

const LINE_BREAKS = /[\r\n]+/g;

/**
 * The wire text of a message (RFC 3261 §7) with full header names and a
 * Content-Length computed in bytes (always present: mandatory on TCP, §20.14).
 * Built as one string: the stack sends it as bytes and traces it as text.
 */
export function formatMessage(msg: SipMessage): string {
  let text = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0\r\n` : `SIP/2.0 ${msg.status} ${msg.reason}\r\n`;
  for (const h of msg.headers) {
    if (sameHeaderName(h.name, 'Content-Length')) continue;
    // A line break in a value would end the header early (header injection): it becomes a space.
    const value = h.value.includes('\r') || h.value.includes('\n') ? h.value.replace(LINE_BREAKS, ' ') : h.value;
    text += `${h.name}: ${value}\r\n`;
  }
  return `${text}Content-Length: ${Buffer.byteLength(msg.body, 'utf8')}\r\n\r\n${msg.body}`;
}

export function serializeMessage(msg: SipMessage): Buffer {
  return Buffer.from(formatMessage(msg), 'utf8');
}
