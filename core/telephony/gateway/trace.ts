import type { SipTraceEntry } from '../../../shared/telephony/callResult.js';

/**
 * Masks credentials in a SIP message for the user-visible trace: the digest
 * `response` and `cnonce` of Authorization / Proxy-Authorization (a response
 * hash can be brute-forced offline for weak passwords); any other scheme's
 * credentials entirely. Passwords themselves never travel in SIP (§22.4).
 */
export function maskSecrets(text: string): string {
  return text.replace(/^((?:Proxy-)?Authorization[ \t]*:[ \t]*)(.*)$/gim, (_line, head: string, value: string) => {
    if (!/^Digest\s/i.test(value)) return `${head}${value.split(/\s/)[0] ?? ''} ***`;
    return head + value.replace(/\b(response|cnonce)\s*=\s*("[^"]*"|[^,\s]*)/gi, '$1="***"');
  });
}

/**
 * Collects one call's SIP messages in order, masked. A looping peer must not
 * grow memory without bound, yet support needs both how a call started (the
 * INVITE, challenges, provisionals) and how it ended (the 200, ACK, BYE): so
 * the first `head` messages are kept, then the last `tail` ones in a ring,
 * and `take()` puts an `omitted` marker where messages were left out.
 */
export class TraceRecorder {
  private entries: SipTraceEntry[] = [];
  private ring: SipTraceEntry[] = [];
  private ringStart = 0;
  private omitted = 0;

  constructor(
    private readonly now: () => number,
    private readonly head = 100,
    private readonly tail = 100,
  ) {}

  record = (direction: 'out' | 'in', remote: string, text: string): void => {
    const entry = { at: this.now(), direction, remote, text: maskSecrets(text) };
    if (this.entries.length < this.head) {
      this.entries.push(entry);
      return;
    }
    if (this.ring.length < this.tail) {
      this.ring.push(entry);
      return;
    }
    // The ring is full: its oldest entry is left out (counted for the marker).
    this.ring[this.ringStart] = entry;
    this.ringStart = (this.ringStart + 1) % this.tail;
    this.omitted++;
  };

  /** Hands the entries over and keeps none: the recorder of a finished call may outlive its result. */
  take(): SipTraceEntry[] {
    const last = [...this.ring.slice(this.ringStart), ...this.ring.slice(0, this.ringStart)];
    const marker: SipTraceEntry[] =
      this.omitted === 0
        ? []
        : [{ at: last[0]?.at ?? this.now(), direction: 'omitted', remote: '', text: `… ${this.omitted} SIP messages left out …`, omitted: this.omitted }];
    const taken = [...this.entries, ...marker, ...last];
    this.entries = [];
    this.ring = [];
    this.ringStart = 0;
    this.omitted = 0;
    return taken;
  }
}
