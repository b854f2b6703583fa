/**
 * The parts one after another in one new array, or the only part itself when
 * there is one (callers hand over parts nobody else holds: no copy needed).
 */
export function concatArrays<T extends Uint8Array | Float32Array>(Type: new (length: number) => T, parts: readonly T[]): T {
  if (parts.length === 1) return parts[0]!;
  const out = new Type(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
