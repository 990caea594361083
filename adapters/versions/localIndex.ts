/**
 * A version run on local disk (docs/versioning.md, "The version index"): in memory only one fence
 * (the first hash) per block of `BLOCK_ENTRIES` hashes; the hashes the run's filter says it may hold
 * are read from the file (a block of hashes, then the entry's record and id), so its reads scale
 * with the hits, not with the run. The filters live in the cache (adapters/versions/cache.ts).
 *
 * Runs are immutable (written once with their batch), so a cached file never goes stale: a run the
 * worker wrote is added from its own file, one written elsewhere is downloaded once.
 */
import fs from 'node:fs';
import {
  entryOf,
  hashesOf,
  headBytesNeeded,
  readLayout,
  RECORD_BYTES,
  RUN_HEADER_BYTES,
  type RunLayout,
  type VersionEntry,
} from '../../core/versionRun';

/** Hashes per fence: one read of 512 bytes finds whether a probed hash is in the run. */
const BLOCK_ENTRIES = 64;

/** The batch's hashes, ascending, as two halves (hi·2³² + lo). */
export interface SortedHashes {
  hi: Uint32Array;
  lo: Uint32Array;
}

export class LocalRun {
  private constructor(
    readonly key: string,
    readonly path: string,
    private readonly fd: number,
    readonly layout: RunLayout,
    private readonly fenceHi: Uint32Array,
    private readonly fenceLo: Uint32Array,
  ) {}

  /**
   * Opens a run file: reads its header and its hashes (8 bytes an entry), nothing else; `hashes`
   * gets them (to fill the run's filter) and they are not kept.
   */
  static open(key: string, path: string, hashes?: (hi: Uint32Array, lo: Uint32Array) => void): LocalRun {
    const fd = fs.openSync(path, 'r');
    try {
      const bytes = fs.fstatSync(fd).size;
      const header = readAt(fd, 0, RUN_HEADER_BYTES);
      const layout = readLayout(readAt(fd, 0, headBytesNeeded(header)), bytes);
      const { hi, lo } = hashesOf(readAt(fd, layout.hashesAt, 8 * layout.entries), layout.entries);
      hashes?.(hi, lo);
      const fences = Math.ceil(layout.entries / BLOCK_ENTRIES);
      const fenceHi = new Uint32Array(fences);
      const fenceLo = new Uint32Array(fences);
      for (let f = 0; f < fences; f += 1) {
        fenceHi[f] = hi[f * BLOCK_ENTRIES]!;
        fenceLo[f] = lo[f * BLOCK_ENTRIES]!;
      }
      return new LocalRun(key, path, fd, layout, fenceHi, fenceLo);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  /** Bytes held in memory for this run (its fences; its filter is its group's). */
  get memoryBytes(): number {
    return this.fenceHi.byteLength * 2;
  }

  /** Every entry whose hash is one of `keys` (sorted), in hash order: a cursor over all of them. */
  find(keys: SortedHashes): VersionEntry[] {
    const cursor = this.cursor();
    const found: VersionEntry[] = [];
    for (let k = 0; k < keys.hi.length; k += 1) cursor.find(keys.hi[k]!, keys.lo[k]!, found);
    return found;
  }

  /**
   * A reader for keys given in ascending order: `find` appends the entries of one hash to `out`,
   * reading a block of 64 hashes (the last one is kept) and, for each match, its record and id.
   */
  cursor(): { find(hi: number, lo: number, out: VersionEntry[]): void } {
    let fence = 0;
    let block = -1;
    let hashes: Buffer | undefined;
    return {
      find: (hi, lo, out) => {
        // The last fence at or below the key (keys ascend, so the search only moves forward).
        while (
          fence + 1 < this.fenceHi.length &&
          !greater(this.fenceHi[fence + 1]!, this.fenceLo[fence + 1]!, hi, lo)
        )
          fence += 1;
        // Equal hashes may run on into the next blocks (an id landed twice, or a collision).
        for (let b = fence; b < this.fenceHi.length; b += 1) {
          if (b > fence && greater(this.fenceHi[b]!, this.fenceLo[b]!, hi, lo)) return;
          const first = b * BLOCK_ENTRIES;
          if (b !== block) {
            block = b;
            const count = Math.min(BLOCK_ENTRIES, this.layout.entries - first);
            hashes = readAt(this.fd, this.layout.hashesAt + 8 * first, 8 * count);
          }
          const count = hashes!.length / 8;
          for (let j = 0; j < count; j += 1) {
            const h = hashes!.readUInt32LE(8 * j);
            const l = hashes!.readUInt32LE(8 * j + 4);
            if (h === hi && l === lo) out.push(this.entry(first + j, hi, lo));
            else if (greater(h, l, hi, lo)) return;
          }
        }
      },
    };
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private entry(i: number, hi: number, lo: number): VersionEntry {
    const record = readAt(this.fd, this.layout.recordsAt + RECORD_BYTES * i, RECORD_BYTES);
    const ends = readAt(this.fd, this.layout.idEndsAt + 4 * Math.max(0, i - 1), i === 0 ? 4 : 8);
    const idStart = i === 0 ? 0 : ends.readUInt32LE(0);
    const idEnd = ends.readUInt32LE(i === 0 ? 0 : 4);
    const id = readAt(this.fd, this.layout.idsAt + idStart, idEnd - idStart).toString('utf8');
    return entryOf(hi, lo, record, id, this.layout.countries);
  }
}

/** Is (ah, al) > (bh, bl) as 64-bit unsigned numbers. */
function greater(ah: number, al: number, bh: number, bl: number): boolean {
  return ah > bh || (ah === bh && al > bl);
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) throw new RangeError(`a version run ends before byte ${position + length}`);
    done += n;
  }
  return buffer;
}
