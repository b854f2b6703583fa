/**
 * What kind of place a host (an IP address in any spelling, or a name)
 * points at, for the outbound policy (docs/DOMAIN.md, "Where credentials may
 * go"). Pure code: the core uses it before and after DNS resolution, the
 * settings forms may use it as the user types.
 *
 * - loopback: this computer (127.0.0.0/8, ::1).
 * - private: the office LAN or a carrier NAT (RFC 1918, RFC 6598 100.64/10, RFC 4193 fc00::/7).
 * - linkLocal: 169.254.0.0/16 (RFC 3927), fe80::/10; cloud metadata services live here.
 * - metadata: a cloud instance-metadata endpoint outside link-local (AWS fd00:ec2::254,
 *   Alibaba 100.100.100.200) or by its well-known name (metadata.google.internal).
 * - unspecified / reserved: 0.0.0.0/8, ::, multicast, broadcast, 240.0.0.0/4: never a server.
 * - public: anything else; name: a host name to resolve first.
 */
export type HostKind = 'loopback' | 'private' | 'linkLocal' | 'metadata' | 'unspecified' | 'reserved' | 'public' | 'name';

/** Never a destination for credentials or SIP: in every spelling, before and after DNS. */
export const REFUSED_KINDS: ReadonlySet<HostKind> = new Set(['linkLocal', 'metadata', 'unspecified', 'reserved']);

/** Names of instance-metadata services (GCP, AWS, Azure, Oracle, Alibaba, OpenStack). */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
  'metadata.tencentyun.com',
  'metadata.oraclecloud.com',
]);

/**
 * An IPv4 address as inet_aton reads it, which is what getaddrinfo and the
 * WHATWG URL parser accept too: one to four parts, each decimal, octal
 * (leading 0) or hex (0x); the last part fills the remaining bytes. So
 * "2852039166", "0xa9fea9fe", "0251.0376.0251.0376" and "169.254.43518" are
 * all 169.254.169.254. Returns the 32-bit value, or null.
 */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop(); // "1.2.3.4." is accepted by URL parsers
  if (parts.length === 0 || parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part.slice(1), 8);
    else if (/^(0|[1-9]\d*)$/.test(part)) value = Number(part);
    else return null;
    if (!Number.isSafeInteger(value)) return null;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255)) return null;
  if (last >= 256 ** (4 - values.length)) return null;
  let result = last;
  values.forEach((v, i) => (result += v * 256 ** (3 - i)));
  return result;
}

/** An IPv6 address (brackets and a zone id allowed) as eight 16-bit groups, or null. */
export function parseIpv6(text: string): number[] | null {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':') || !/^[0-9a-f:.]+$/i.test(s)) return null;
  const lastColon = s.lastIndexOf(':');
  const lastPart = s.slice(lastColon + 1);
  if (lastPart.includes('.')) {
    // A dotted IPv4 tail (::ffff:169.254.169.254) is two groups.
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(lastPart)) return null;
    const v4 = parseIpv4(lastPart);
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  const zeros = new Array<number>(8 - given).fill(0);
  return [...head.map((g) => parseInt(g, 16)), ...(halves.length === 2 ? zeros : []), ...rest.map((g) => parseInt(g, 16))];
}

function inV4(value: number, base: string, bits: number): boolean {
  const b = parseIpv4(base)!;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((value & mask) >>> 0) === ((b & mask) >>> 0);
}

export function classifyIpv4(value: number): HostKind {
  if (inV4(value, '127.0.0.0', 8)) return 'loopback';
  // AWS/GCP/Azure/OpenStack metadata (169.254.169.254) and AWS ECS task credentials (169.254.170.2).
  if (value === parseIpv4('169.254.169.254') || value === parseIpv4('169.254.170.2')) return 'metadata';
  if (inV4(value, '169.254.0.0', 16)) return 'linkLocal';
  if (value === parseIpv4('100.100.100.200')) return 'metadata';
  if (inV4(value, '0.0.0.0', 8)) return 'unspecified';
  if (inV4(value, '224.0.0.0', 4) || inV4(value, '240.0.0.0', 4)) return 'reserved'; // multicast, reserved and broadcast
  if (inV4(value, '10.0.0.0', 8) || inV4(value, '172.16.0.0', 12) || inV4(value, '192.168.0.0', 16) || inV4(value, '100.64.0.0', 10)) return 'private';
  return 'public';
}

export function classifyIpv6(g: number[]): HostKind {
  const v4 = (hi: number, lo: number) => classifyIpv4(((hi << 16) >>> 0) + lo);
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // IPv4 inside IPv6 is the IPv4 address: mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d (RFC 6052).
  if (zeroUpTo(5) && g[5] === 0xffff) return v4(g[6]!, g[7]!);
  if (zeroUpTo(6)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4(g[6]!, g[7]!);
  // 6to4 (RFC 3056) embeds the IPv4 address in the second and third groups.
  if (g[0] === 0x2002 && REFUSED_KINDS.has(v4(g[1]!, g[2]!))) return v4(g[1]!, g[2]!);
  if (g.join(':') === [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254].join(':')) return 'metadata'; // AWS IMDS over IPv6
  if ((g[0]! & 0xffc0) === 0xfe80) return 'linkLocal';
  if ((g[0]! & 0xff00) === 0xff00) return 'reserved'; // multicast
  if ((g[0]! & 0xfe00) === 0xfc00) return 'private';
  return 'public';
}

/**
 * The kind of a host as typed or as a URL gives it (any IPv4 spelling,
 * IPv6 in brackets or not, a name with or without its final dot).
 */
export function classifyHost(host: string): HostKind {
  const h = host.trim().toLowerCase();
  const v6 = parseIpv6(h);
  if (v6) return classifyIpv6(v6);
  const v4 = parseIpv4(h);
  if (v4 !== null) return classifyIpv4(v4);
  const name = h.replace(/\.$/, '');
  if (METADATA_NAMES.has(name)) return 'metadata';
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback'; // RFC 6761 §6.3
  return 'name';
}
