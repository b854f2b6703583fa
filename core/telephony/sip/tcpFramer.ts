import { findHeaderEnd, MAX_MESSAGE_BYTES } from './parser.js';

/**
 * Splits a TCP byte stream into SIP messages by Content-Length (RFC 3261
 * §18.3: on stream transports Content-Length MUST be used to find the end of
 * each message). Leading CRLFs are keep-alives (RFC 5626 §3.5.1) and skipped.
 * A stream that cannot be framed (no Content-Length, oversized) reports an
 * error: the connection has lost sync and should be closed.
 */
export class TcpFramer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onMessage: (data: Buffer) => void,
    private readonly onError: (error: string) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      let start = 0;
      while (start < this.buffer.length && (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a)) start++;
      if (start > 0) this.buffer = this.buffer.subarray(start);
      if (this.buffer.length === 0) return;
      const end = findHeaderEnd(this.buffer);
      if (!end) {
        if (this.buffer.length > MAX_MESSAGE_BYTES) this.fail('headers too large');
        return;
      }
      const head = this.buffer.subarray(0, end.headerEnd).toString('latin1');
      const match = /(?:^|\r?\n)(?:content-length|l)[ \t]*:[ \t]*(\d{1,10})[ \t]*(?=\r?\n|$)/i.exec(head);
      if (!match) {
        this.fail('message without Content-Length on a stream');
        return;
      }
      const total = end.bodyStart + Number(match[1]);
      if (total > MAX_MESSAGE_BYTES) {
        this.fail('message too large');
        return;
      }
      if (this.buffer.length < total) return;
      const message = this.buffer.subarray(0, total);
      this.buffer = this.buffer.subarray(total);
      this.onMessage(Buffer.from(message));
    }
  }

  private fail(error: string): void {
    this.buffer = Buffer.alloc(0);
    this.onError(error);
  }
}
