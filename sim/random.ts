/**
 * A small seedable PRNG for the simulator. Math.random cannot be seeded, and tests (ours and the
 * end-to-end ones) must be able to recompute exactly what the simulator served for a seed.
 */
import { createHash } from 'node:crypto';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Normally distributed (Box–Muller), mean 0, given standard deviation. */
  gaussian(sd: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A random RFC 4122 version-4 UUID, drawn from this generator. */
  uuid(): string;
}

/**
 * sfc32 seeded from sha256 of the parts, so that nearby seeds (1, 2, 3…) give unrelated streams and
 * the output is identical on every platform (only 32-bit integer arithmetic).
 */
export function createRandom(...parts: Array<string | number>): Random {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);

  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // The first outputs of sfc32 are weakly mixed; discard a few, as its author recommends.
  for (let i = 0; i < 12; i += 1) nextUint32();

  const next = (): number => nextUint32() / 4294967296;
  return {
    next,
    between: (min, max) => min + (max - min) * next(),
    gaussian: (sd) => {
      const u = 1 - next(); // (0, 1]: log(0) would be -Infinity
      const v = next();
      return sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty array');
      return item;
    },
    uuid: () => {
      const bytes = Buffer.alloc(16);
      for (let i = 0; i < 16; i += 4) bytes.writeUInt32LE(nextUint32(), i);
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}
