/**
 * A sliced filter group (core/versionFilter.ts: up to 32 runs' blocked Bloom filters, bit-sliced)
 * kept in a file of the worker's version cache instead of the worker's memory. At the default
 * horizon a worker holds 168 runs' filters, 16 bits an entry: about 340 MB that would count in its
 * RSS for as long as it runs. In a file they are in the page cache, which the kernel can reclaim
 * and reread, and a lookup reads each group once, front to back, because keys probed in hash order
 * walk the blocks in order (BloomGeometry.blockOf is monotone).
 *
 * In memory: one window of `WINDOW_BLOCKS` blocks for filling and clearing, and one per reader.
 *
 * File: `blocks × 512` u32 words in the host's byte order (the file never leaves the worker), made
 * sparse at creation (holes read as zeros).
 */
import fs from 'node:fs';
import {
  BloomGeometry,
  freeSlotOf,
  setKeyBits,
  slotsHolding,
  WORDS_PER_BLOCK,
} from '../../core/versionFilter';

/** Blocks per window: 1,024 blocks of 2 KiB, 2 MiB a window. */
const WINDOW_BLOCKS = 1024;
const BLOCK_BYTES = WORDS_PER_BLOCK * 4;

export class SlicedBloomFile {
  readonly geometry: BloomGeometry;
  /** The slots in use (bit s: slot s). */
  used = 0;
  private readonly fd: number;

  /** Creates the group's file at `file` (replacing any) for runs of up to `capacity` keys. */
  constructor(
    readonly file: string,
    capacity: number,
    bitsPerKey: number,
  ) {
    this.geometry = new BloomGeometry(capacity, bitsPerKey);
    this.fd = fs.openSync(file, 'w+');
    fs.ftruncateSync(this.fd, this.geometry.blocks * BLOCK_BYTES);
  }

  /** Bytes of the file (the page cache holds what a lookup has read of it). */
  get fileBytes(): number {
    return this.geometry.blocks * BLOCK_BYTES;
  }

  /** A free slot, or -1. */
  freeSlot(): number {
    return freeSlotOf(this.used);
  }

  /** Fills `slot` with the keys (hi[i], lo[i]), in any order: each window is read and written once. */
  fill(slot: number, hi: Uint32Array, lo: Uint32Array): void {
    const bit = (1 << slot) >>> 0;
    const window = new Window(this.fd, this.geometry.blocks);
    for (const i of byWindow(hi, (h) => Math.floor(this.geometry.blockOf(h) / WINDOW_BLOCKS))) {
      const base = window.baseOf(this.geometry.blockOf(hi[i]!), true);
      setKeyBits(window.words, base, lo[i]!, bit);
    }
    window.flush();
    this.used = (this.used | bit) >>> 0;
  }

  /** Empties `slot` (its run left the horizon). */
  clear(slot: number): void {
    const keep = ~(1 << slot);
    const window = new Window(this.fd, this.geometry.blocks);
    for (let block = 0; block < this.geometry.blocks; block += WINDOW_BLOCKS) {
      window.baseOf(block, true);
      const words = window.words;
      for (let w = 0; w < words.length; w += 1) words[w]! &= keep;
    }
    window.flush();
    this.used = (this.used & keep) >>> 0;
  }

  /**
   * A reader for one lookup: `slotsFor` gives the slots whose filter may hold (hi, lo) among `slots`
   * (0: none). Keys in ascending order read the file once; any order gives the same answers.
   */
  reader(): { slotsFor(hi: number, lo: number, slots: number): number } {
    const window = new Window(this.fd, this.geometry.blocks);
    return {
      slotsFor: (hi, lo, slots) =>
        slotsHolding(window.words, window.baseOf(this.geometry.blockOf(hi), false), lo, slots & this.used),
    };
  }

  /** Closes and deletes the file. */
  close(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.file, { force: true });
  }
}

/** A window of consecutive blocks of a group's file, read on demand and written back if changed. */
class Window {
  readonly words = new Uint32Array(WINDOW_BLOCKS * WORDS_PER_BLOCK);
  private first = -1;
  private dirty = false;

  constructor(
    private readonly fd: number,
    private readonly blocks: number,
  ) {}

  /** The word index in `words` where `block` starts, loading its window first if need be. */
  baseOf(block: number, writing: boolean): number {
    if (this.first < 0 || block < this.first || block >= this.first + WINDOW_BLOCKS) {
      this.flush();
      this.first = block - (block % WINDOW_BLOCKS);
      const bytes = Buffer.from(this.words.buffer, this.words.byteOffset, this.words.byteLength);
      const wanted = Math.min(WINDOW_BLOCKS, this.blocks - this.first) * BLOCK_BYTES;
      bytes.fill(0, wanted);
      readFully(this.fd, bytes, wanted, this.first * BLOCK_BYTES);
    }
    if (writing) this.dirty = true;
    return (block - this.first) * WORDS_PER_BLOCK;
  }

  /** Writes the window back if it was changed. */
  flush(): void {
    if (!this.dirty || this.first < 0) return;
    const bytes = Buffer.from(this.words.buffer, this.words.byteOffset, this.words.byteLength);
    const length = Math.min(WINDOW_BLOCKS, this.blocks - this.first) * BLOCK_BYTES;
    let done = 0;
    while (done < length)
      done += fs.writeSync(this.fd, bytes, done, length - done, this.first * BLOCK_BYTES + done);
    this.dirty = false;
  }
}

/** The positions of `hi`'s keys grouped by window, windows ascending (a counting sort). */
function byWindow(hi: Uint32Array, windowOf: (hi: number) => number): Uint32Array {
  const windows = new Uint32Array(hi.length);
  let count = 0;
  for (let i = 0; i < hi.length; i += 1) count = Math.max(count, (windows[i] = windowOf(hi[i]!)) + 1);
  const starts = new Uint32Array(count + 1);
  for (const w of windows) starts[w + 1]! += 1;
  for (let w = 0; w < count; w += 1) starts[w + 1]! += starts[w]!;
  const order = new Uint32Array(hi.length);
  for (let i = 0; i < hi.length; i += 1) order[starts[windows[i]!]!++] = i;
  return order;
}

function readFully(fd: number, into: Buffer, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, into, done, length - done, position + done);
    if (n === 0) throw new RangeError(`a version filter file ends before byte ${position + length}`);
    done += n;
  }
}
