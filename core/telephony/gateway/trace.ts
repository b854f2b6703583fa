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

/** Collects one call's SIP messages in order, masked. */
export class TraceRecorder {
  entries: SipTraceEntry[] = [];

  constructor(
    private readonly now: () => number,
    private readonly limit = 200,
  ) {}

  record = (direction: 'out' | 'in', remote: string, text: string): void => {
    if (this.entries.length >= this.limit) return; // a looping peer must not grow memory without bound
    this.entries.push({ at: this.now(), direction, remote, text: maskSecrets(text) });
  };

  /** Hands the entries over and keeps none: the recorder of a finished call may outlive its result. */
  take(): SipTraceEntry[] {
    const taken = this.entries;
    this.entries = [];
    return taken;
  }
}
