import { formatParams, parseHostPort, parseParams } from './uri.js';

/** A Via value (RFC 3261 §20.42, §18.2.1 received, RFC 3581 rport). */
export interface Via {
  protocol: string; // "SIP/2.0"
  transport: string; // "UDP", "TCP"
  host: string;
  port: number | null;
  params: Record<string, string | null>;
}

/** The RFC 3261 magic cookie that marks a branch as globally unique (§8.1.1.7). */
export const BRANCH_COOKIE = 'z9hG4bK';

export function parseVia(text: string): Via | null {
  const match = /^\s*([A-Za-z0-9.!%*_+`'~-]+\s*\/\s*[A-Za-z0-9.!%*_+`'~-]+)\s*\/\s*([A-Za-z0-9.!%*_+`'~-]+)\s+([^;\s]+)\s*(;.*)?$/s.exec(
    text,
  );
  if (!match) return null;
  const sentBy = parseHostPort(match[3]!);
  if (!sentBy) return null;
  return {
    protocol: match[1]!.replace(/\s+/g, '').toUpperCase(),
    transport: match[2]!.toUpperCase(),
    host: sentBy.host,
    port: sentBy.port,
    params: parseParams(match[4] ?? ''),
  };
}

export function formatVia(via: Via): string {
  const port = via.port !== null ? `:${via.port}` : '';
  return `${via.protocol}/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}
