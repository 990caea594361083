/**
 * A version run (core/versionRun.ts) streamed into its file as DuckDB gives its entries in the run's
 * order, so a worker holds the hashes and id ends (12 bytes an entry) and one chunk, not the whole
 * run (96 MB at 1,000,000 entries) beside the landing's own memory. The bytes are those
 * `encodeRun` gives for the same entries (test/unit/versionIndex.test.ts).
 */
import fs from 'node:fs';
import {
  copySeparatedIds,
  RECORD_BYTES,
  RecordView,
  runFrame,
  type HashCheck,
  type RunColumns,
  type RunFrame,
} from '../../core/versionRun';

/** Bytes of the ids file read at a time. */
const ID_CHUNK_BYTES = 4 * 1024 * 1024;

export class RunFileWriter {
  private readonly frame: RunFrame;
  private readonly fd: number;
  private readonly hashes: Uint32Array;
  private readonly ends: Uint32Array;
  private idEnd = 0;
  private next = 0;

  /** Creates `file` for a run of `entries` entries (RunFrame's totals). */
  constructor(
    readonly file: string,
    entries: number,
    countries: Iterable<string>,
    idBytes: number,
    hashCheck: HashCheck,
  ) {
    this.frame = runFrame(entries, countries, idBytes, hashCheck);
    this.hashes = new Uint32Array(2 * entries);
    this.ends = new Uint32Array(entries);
    this.fd = fs.openSync(file, 'w');
  }

  get countries(): readonly string[] {
    return this.frame.layout.countries;
  }

  /**
   * The next `count` entries in the run's order: their hashes, id lengths in bytes and records.
   * @throws RangeError past the entries announced.
   */
  append(
    hi: ArrayLike<number>,
    lo: ArrayLike<number>,
    idLength: ArrayLike<number>,
    columns: RunColumns,
    count: number,
  ): void {
    const { layout } = this.frame;
    if (this.next + count > layout.entries)
      throw new RangeError(`a run announced ${layout.entries} entries and got more`);
    const records = Buffer.alloc(count * RECORD_BYTES);
    const view = new RecordView(records, this.frame.countryNumber.size);
    for (let k = 0; k < count; k += 1) {
      const p = this.next + k;
      this.hashes[2 * p] = hi[k]!;
      this.hashes[2 * p + 1] = lo[k]!;
      this.idEnd += idLength[k]!;
      this.ends[p] = this.idEnd;
      view.put(k, columns, k);
    }
    writeAt(this.fd, records, layout.recordsAt + RECORD_BYTES * this.next);
    this.next += count;
  }

  /**
   * The ids section from `idsFile`: every id in the run's order, each followed by `separator`
   * (copySeparatedIds), read and written a chunk at a time.
   */
  copyIds(idsFile: string, separator: number): void {
    const { layout } = this.frame;
    const idLength = (p: number) => this.ends[p]! - (p === 0 ? 0 : this.ends[p - 1]!);
    const input = fs.openSync(idsFile, 'r');
    try {
      const size = fs.fstatSync(input).size;
      if (size !== layout.bytes - layout.idsAt + layout.entries)
        throw new RangeError(
          `the ids file has ${size} bytes, not ${layout.bytes - layout.idsAt + layout.entries}`,
        );
      let position = 0;
      let p = 0;
      let at = layout.idsAt;
      const out = Buffer.alloc(ID_CHUNK_BYTES);
      while (p < layout.entries) {
        // A chunk holds at least one whole id: grown to the next id's length when it is larger.
        const chunk = Buffer.alloc(Math.max(ID_CHUNK_BYTES, idLength(p) + 1));
        const got = fs.readSync(input, chunk, 0, Math.min(chunk.length, size - position), position);
        const target = out.length >= idLength(p) ? out : Buffer.alloc(idLength(p));
        const done = copySeparatedIds(chunk.subarray(0, got), target, p, layout.entries, idLength, separator);
        if (done.copied === 0) throw new RangeError(`the ids file ends inside entry ${p}'s id`);
        writeAt(this.fd, target.subarray(0, done.written), at);
        at += done.written;
        position += done.read;
        p += done.copied;
      }
    } finally {
      fs.closeSync(input);
    }
  }

  /**
   * Writes the header, hashes, id ends and countries, and closes the file.
   * @throws RangeError when fewer entries were given than announced.
   */
  finish(): { entries: number; bytes: number } {
    const { layout, header, countriesSection } = this.frame;
    try {
      if (this.next !== layout.entries)
        throw new RangeError(`a run announced ${layout.entries} entries and got ${this.next}`);
      writeAt(this.fd, header, 0);
      writeAt(this.fd, littleEndian(this.hashes), layout.hashesAt);
      writeAt(this.fd, littleEndian(this.ends), layout.idEndsAt);
      writeAt(this.fd, countriesSection, layout.countriesAt);
      fs.ftruncateSync(this.fd, layout.bytes);
    } finally {
      fs.closeSync(this.fd);
    }
    return { entries: layout.entries, bytes: layout.bytes };
  }

  /** Closes and removes the file (a failed write). */
  abandon(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // Closed already by finish.
    }
    fs.rmSync(this.file, { force: true });
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The words' bytes, little-endian (a copy, swapped, on a big-endian host). */
function littleEndian(words: Uint32Array): Buffer {
  const bytes = Buffer.from(words.buffer, words.byteOffset, words.byteLength);
  return LITTLE_ENDIAN ? bytes : Buffer.from(bytes).swap32();
}

function writeAt(fd: number, bytes: Buffer, position: number): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}
