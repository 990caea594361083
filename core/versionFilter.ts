/**
 * Blocked Bloom filters over 64-bit id hashes (docs/versioning.md, "The version index"): each key
 * sets and tests `BITS_PER_PROBE` bits inside one 512-bit block, so a probe stays in one small region.
 * The block is chosen by the hash's high 32 bits with a multiply-shift (monotone in the hash), so
 * keys probed in hash order walk the filter from start to end, as a scan would.
 *
 * Keys are given as two 32-bit halves (`hi`, `lo`: the hash is hi·2³² + lo), the form the version runs
 * store them in, so no BigInt is made per key.
 */

/** Bits set per key; with `bitsPerKey` 16 a filter answers "maybe" for about 0.07 % of absent keys. */
const BITS_PER_PROBE = 8;
/** Keeps hi · blocks below 2⁵³ (exact in a double): 128 MiB, about 67,000,000 keys at 16 bits. */
const MAX_BLOCKS = 2 ** 21;

/** The next 9-bit choice from the low half: a rotation and an odd multiplier (Knuth's golden ratio). */
function nextBits(h: number): number {
  return Math.imul((h >>> 9) | (h << 23), 0x9e3779b1) >>> 0;
}

/** Runs per sliced group: one bit of a 32-bit word each. */
export const SLOTS_PER_GROUP = 32;
/** Words per block in a sliced group: one per bit of a 512-bit block. */
export const WORDS_PER_BLOCK = 512;

/** The size of a filter for `capacity` keys at `bitsPerKey`, and where a key's block is. */
export class BloomGeometry {
  readonly blocks: number;

  constructor(capacity: number, bitsPerKey: number) {
    this.blocks = Math.max(1, Math.ceil((capacity * bitsPerKey) / 512));
    if (this.blocks > MAX_BLOCKS)
      throw new RangeError(
        `a filter for ${capacity} keys needs ${this.blocks} blocks, more than ${MAX_BLOCKS}`,
      );
  }

  /** The block of a key's high half: monotone, so ascending keys walk the blocks in order. */
  blockOf(hi: number): number {
    return Math.floor(((hi >>> 0) * this.blocks) / 4294967296);
  }
}

/** Sets `bit` (a slot's bit) in the 8 words of the key's low half `lo` in the block at word `base`. */
export function setKeyBits(words: Uint32Array, base: number, lo: number, bit: number): void {
  let h = lo >>> 0;
  for (let j = 0; j < BITS_PER_PROBE; j += 1) {
    words[base + (h & 511)]! |= bit;
    h = nextBits(h);
  }
}

/** The slots of `slots` whose bits are all set for `lo` in the block at word `base`. */
export function slotsHolding(words: Uint32Array, base: number, lo: number, slots: number): number {
  let h = lo >>> 0;
  for (let j = 0; j < BITS_PER_PROBE && slots !== 0; j += 1) {
    slots &= words[base + (h & 511)]!;
    h = nextBits(h);
  }
  return slots >>> 0;
}

/** The lowest slot not in `used`, or -1. */
export function freeSlotOf(used: number): number {
  for (let s = 0; s < SLOTS_PER_GROUP; s += 1) if ((used & (1 << s)) === 0) return s;
  return -1;
}

/**
 * Up to 32 blocked Bloom filters of one geometry, stored bit-sliced (as BitFunnel's signatures are):
 * word (block, bit) holds that bit of each filter, one filter a slot. A key is probed against all 32
 * at once: the AND of its 8 words is the set of filters that may hold it, so a lookup costs a few
 * word reads per key for each 32 runs, not one probe per run. Held in memory; the worker's cache
 * keeps its groups in files instead (adapters/versions/filterFile.ts), with the same layout.
 */
export class SlicedBloom {
  readonly words: Uint32Array;
  readonly geometry: BloomGeometry;
  /** The slots in use (bit s: slot s). */
  used = 0;

  constructor(capacity: number, bitsPerKey: number) {
    this.geometry = new BloomGeometry(capacity, bitsPerKey);
    this.words = new Uint32Array(this.geometry.blocks * WORDS_PER_BLOCK);
  }

  /** A free slot, or -1. */
  freeSlot(): number {
    return freeSlotOf(this.used);
  }

  /** Fills `slot` with the keys (hi[i], lo[i]). */
  fill(slot: number, hi: Uint32Array, lo: Uint32Array): void {
    const bit = (1 << slot) >>> 0;
    for (let i = 0; i < hi.length; i += 1)
      setKeyBits(this.words, this.geometry.blockOf(hi[i]!) * WORDS_PER_BLOCK, lo[i]!, bit);
    this.used = (this.used | bit) >>> 0;
  }

  /** Empties `slot` (its run left the horizon). */
  clear(slot: number): void {
    const keep = ~(1 << slot);
    const words = this.words;
    for (let w = 0; w < words.length; w += 1) words[w]! &= keep;
    this.used = (this.used & keep) >>> 0;
  }

  /** The slots whose filter may hold (hi, lo), as a bit set (0: none). */
  slotsFor(hi: number, lo: number): number {
    return slotsHolding(this.words, this.geometry.blockOf(hi) * WORDS_PER_BLOCK, lo, this.used);
  }
}
