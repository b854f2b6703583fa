/**
 * The `Reason` header (RFC 3326 §2, extended by RFC 6432 to responses):
 *   Reason: Q.850;cause=20;text="Subscriber absent", SIP;cause=480
 * Several values may come comma-separated or in several headers. Parsing is
 * total: anything malformed is skipped, never thrown.
 */
export interface ReasonValue {
  /** Protocol token as written, upper-cased ("Q.850", "SIP", ...). */
  protocol: string;
  cause: number | null;
  text: string | null;
}

/** Splits on commas that are outside double quotes (RFC 3261 §7.3.1 lists). */
function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && quoted && i + 1 < value.length) {
      current += ch + value[i + 1]!;
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

/** Parses every Reason header value given (one string per header line). */
export function parseReasonHeaders(values: readonly string[]): ReasonValue[] {
  const reasons: ReasonValue[] = [];
  for (const header of values) {
    for (const item of splitOutsideQuotes(header, ',')) {
      const [protocolPart, ...params] = splitOutsideQuotes(item, ';');
      const protocol = (protocolPart ?? '').trim().toUpperCase();
      if (!protocol) continue;
      let cause: number | null = null;
      let text: string | null = null;
      for (const param of params) {
        const eq = param.indexOf('=');
        if (eq < 0) continue;
        const name = param.slice(0, eq).trim().toLowerCase();
        const raw = param.slice(eq + 1);
        if (name === 'cause') {
          const n = Number(unquote(raw));
          if (Number.isInteger(n) && n >= 0 && n <= 999) cause = n;
        } else if (name === 'text') {
          text = unquote(raw);
        }
      }
      reasons.push({ protocol, cause, text });
    }
  }
  return reasons;
}

/** The Q.850 cause of the first Reason value with protocol Q.850 (RFC 3326 §2), or null. */
export function q850CauseOf(values: readonly string[]): number | null {
  for (const reason of parseReasonHeaders(values)) {
    if (reason.protocol === 'Q.850' && reason.cause !== null) return reason.cause;
  }
  return null;
}
