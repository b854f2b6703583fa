/** Slots before the first growth: a small roster never grows the table. */
const INITIAL_SLOTS = 1 << 14;
/** E.164 allows 15 digits; below 2^53 every such number is an exact double. */
const MAX_EXACT_DIGITS = 15;
const TWO_TO_32 = 2 ** 32;

/**
 * The E.164 numbers seen so far in one import, with the row each was first
 * seen in, for its duplicate check (the first row with a number is the entry
 * kept; a later one is a duplicate of it).
 *
 * A Set of strings would keep every number of a 1,000,000-row roster alive
 * on the heap as its own string (~85 MB, and each one traced by every major
 * garbage collection). An E.164 number is at most 15 digits after the '+',
 * which a double holds exactly, so the numbers live in one Float64Array
 * (open addressing, linear probing), each beside the row it was first seen
 * in: one cache line read per lookup, where a table of rows apart from the
 * keys cost two (32 MB at a million numbers). Anything
 * that is not such a number (longer, or a leading zero, which would make two
 * strings one number) goes to an ordinary Set instead, so the answer is
 * always exactly "was this string added before".
 */
export class E164Set {
  /** Slot i is table[2i] (the key, 0 when empty) and table[2i + 1] (its row). */
  private table = new Float64Array(INITIAL_SLOTS * 2);
  private used = 0;
  private readonly others = new Map<string, number>();

  /** Adds the number, first seen in row `rowNumber` (> 0); when it was there already, answers the row it was first seen in, else 0. */
  add(e164: string, rowNumber: number): number {
    const key = numericKey(e164);
    if (key === null) {
      const first = this.others.get(e164);
      if (first !== undefined) return first;
      this.others.set(e164, rowNumber);
      return 0;
    }
    // At most half full: probes stay short.
    if ((this.used + 1) * 4 > this.table.length) this.grow();
    const first = insert(this.table, key, rowNumber);
    if (first === 0) this.used++;
    return first;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) insert(this.table, old[i]!, old[i + 1]!);
  }
}

/** The digits after the '+' as a number (never 0), or null when that would not be exact and unique. */
function numericKey(e164: string): number | null {
  const digits = e164.length - 1;
  if (e164.charCodeAt(0) !== 0x2b || digits < 1 || digits > MAX_EXACT_DIGITS || e164.charCodeAt(1) === 0x30) return null;
  let value = 0;
  for (let i = 1; i < e164.length; i++) {
    const d = e164.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  return value;
}

/** Inserts a non-zero key (0 marks an empty slot) with its row: 0, or the row stored with it when it is there already. */
function insert(table: Float64Array, key: number, row: number): number {
  const mask = (table.length >> 1) - 1;
  for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
    const slot = table[2 * i]!;
    if (slot === 0) {
      table[2 * i] = key;
      table[2 * i + 1] = row;
      return 0;
    }
    if (slot === key) return table[2 * i + 1]!;
  }
}

/** Mixes both 32-bit halves (murmur3's finaliser): phone numbers share long prefixes. */
function hash(key: number): number {
  let h = (key >>> 0) ^ Math.imul(Math.floor(key / TWO_TO_32), 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
