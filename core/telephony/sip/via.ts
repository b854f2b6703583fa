import { parseParams } from './uri.js';

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
  const sentBy = match[3]!;
  let host: string;
  let portText: string | undefined;
  if (sentBy.startsWith('[')) {
    const close = sentBy.indexOf(']');
    if (close < 0) return null;
    host = sentBy.slice(0, close + 1);
    const after = sentBy.slice(close + 1);
    if (after) {
      if (!after.startsWith(':')) return null;
      portText = after.slice(1);
    }
  } else {
    const parts = sentBy.split(':');
    if (parts.length > 2) return null;
    host = parts[0]!;
    portText = parts[1];
  }
  if (!host) return null;
  let port: number | null = null;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return null;
    port = Number(portText);
    if (port > 65535) return null;
  }
  return {
    protocol: match[1]!.replace(/\s+/g, '').toUpperCase(),
    transport: match[2]!.toUpperCase(),
    host,
    port,
    params: parseParams(match[4] ?? ''),
  };
}

export function formatVia(via: Via): string {
  const port = via.port !== null ? `:${via.port}` : '';
  const params = Object.entries(via.params)
    .map(([k, v]) => (v === null ? `;${k}` : `;${k}=${v}`))
    .join('');
  return `${via.protocol}/${via.transport} ${via.host}${port}${params}`;
}
