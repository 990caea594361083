/**
 * A blocked Bloom filter over 64-bit id hashes (docs/versioning.md, "The version index"): each key
 * sets and tests `BITS_PER_PROBE` bits inside one 512-bit block (one cache line), so a probe costs one
 * memory access. The block is chosen by the hash's high 32 bits with a multiply-shift (monotone in the
 * hash), so keys probed in hash order walk the filter from start to end, as a scan would.
 *
 * Keys are given as two 32-bit halves (`hi`, `lo`: the hash is hi·2³² + lo), the form the version runs
 * store them in, so no BigInt is made per key.
 */

/** Bits set per key; with `bitsPerKey` 16 a filter answers "maybe" for about 0.07 % of absent keys. */
const BITS_PER_PROBE = 8;
const WORDS_PER_BLOCK = 16;
/** Keeps hi · blocks below 2⁵³ (exact in a double): 128 MiB, about 67,000,000 keys at 16 bits. */
const MAX_BLOCKS = 2 ** 21;

export class BlockedBloom {
  readonly words: Uint32Array;
  readonly blocks: number;

  private constructor(words: Uint32Array) {
    this.words = words;
    this.blocks = words.length / WORDS_PER_BLOCK;
  }

  /** An empty filter for `keys` keys at `bitsPerKey` bits each (at least one block). */
  static forKeys(keys: number, bitsPerKey: number): BlockedBloom {
    const blocks = Math.max(1, Math.ceil((keys * bitsPerKey) / 512));
    if (blocks > MAX_BLOCKS)
      throw new RangeError(`a filter for ${keys} keys needs ${blocks} blocks, more than ${MAX_BLOCKS}`);
    return new BlockedBloom(new Uint32Array(blocks * WORDS_PER_BLOCK));
  }

  /** A filter over its words as stored (`words.length` a multiple of 16). */
  static fromWords(words: Uint32Array): BlockedBloom {
    if (words.length === 0 || words.length % WORDS_PER_BLOCK !== 0)
      throw new RangeError(
        `a blocked Bloom filter has a whole number of 16-word blocks, not ${words.length} words`,
      );
    return new BlockedBloom(words);
  }

  add(hi: number, lo: number): void {
    const base = this.blockOf(hi);
    let h = lo >>> 0;
    for (let j = 0; j < BITS_PER_PROBE; j += 1) {
      const bit = h & 511;
      this.words[base + (bit >>> 5)]! |= 1 << (bit & 31);
      h = nextBits(h);
    }
  }

  addAll(hi: Uint32Array, lo: Uint32Array): void {
    for (let i = 0; i < hi.length; i += 1) this.add(hi[i]!, lo[i]!);
  }

  mayContain(hi: number, lo: number): boolean {
    const base = this.blockOf(hi);
    const words = this.words;
    let h = lo >>> 0;
    for (let j = 0; j < BITS_PER_PROBE; j += 1) {
      const bit = h & 511;
      if ((words[base + (bit >>> 5)]! & (1 << (bit & 31))) === 0) return false;
      h = nextBits(h);
    }
    return true;
  }

  /**
   * The positions i (ascending) of the keys (hi[i], lo[i]) the filter may contain, written into
   * `out` (at least as long as the keys); returns how many.
   */
  probeAll(hi: Uint32Array, lo: Uint32Array, out: Uint32Array): number {
    let found = 0;
    for (let i = 0; i < hi.length; i += 1) if (this.mayContain(hi[i]!, lo[i]!)) out[found++] = i;
    return found;
  }

  private blockOf(hi: number): number {
    // floor(hi · blocks / 2³²), exact in doubles (hi < 2³², blocks < 2²¹).
    return Math.floor(((hi >>> 0) * this.blocks) / 4294967296) * WORDS_PER_BLOCK;
  }
}

/** The next 9-bit choice from the low half: a rotation and an odd multiplier (Knuth's golden ratio). */
function nextBits(h: number): number {
  return Math.imul((h >>> 9) | (h << 23), 0x9e3779b1) >>> 0;
}
