/**
 * A version run: the versions one batch landed, as the version index stores them
 * (docs/versioning.md, "The version index"). One entry per landed row, sorted by the id's 64-bit hash
 * (then ordinal), in a fixed binary layout so a reader finds an entry with one read of a block of
 * hashes and one of its record, never reading the whole run:
 *
 *     header   48 B   magic "TPVRUN01", entries n, countries c, country bytes, id bytes, and the
 *                     hash check (HashCheck: hi, lo) (u32 LE each); zeros after
 *     hashes   8n B   (hi, lo) u32 LE pairs, ascending
 *     records 48n B   measured_at ms, lat, lon, temperature (f64 LE); belongs_to_hour (hours since
 *                     the epoch), bucket, ordinal, country number (-1: none) (i32/u32 LE)
 *     id ends  4n B   u32 LE: where each id ends in the id bytes (entry i spans ends[i-1]..ends[i])
 *     countries       each a u16 LE length and its UTF-8 bytes, sorted
 *     ids             the reading ids' UTF-8 bytes, in entry order
 *
 * The encoding is a function of the entries alone (sorted, countries sorted), so rebuilding a run
 * from its batch's Parquet rows gives the same bytes.
 */

export const RUN_MAGIC = 'TPVRUN01';
export const RUN_HEADER_BYTES = 48;
export const RECORD_BYTES = 48;
const HOUR_MS = 3_600_000;

/** One landed version, as the landing compares it with a new record of the same id. */
export interface VersionEntry {
  hi: number;
  lo: number;
  readingId: string;
  /** The hour the reading belongs to (its first version's import hour), ms since the epoch. */
  belongsToHour: number;
  bucket: number;
  /** The row's position in its batch. */
  ordinal: number;
  measuredAt: number;
  lat: number;
  lon: number;
  temperature: number;
  country: string | null;
}

export interface RunLayout {
  entries: number;
  hashCheck: HashCheck;
  hashesAt: number;
  recordsAt: number;
  idEndsAt: number;
  countriesAt: number;
  idsAt: number;
  bytes: number;
  countries: string[];
}

/** Some of a run's entries as columns (RunEncoder.setRecords; hashes and ids are given apart). */
export interface RunColumns {
  belongsToHour: ArrayLike<number>;
  bucket: ArrayLike<number>;
  ordinal: ArrayLike<number>;
  measuredAt: ArrayLike<number>;
  lat: ArrayLike<number>;
  lon: ArrayLike<number>;
  temperature: ArrayLike<number>;
  /** Each entry's country as its number in the run's sorted list of countries (-1: none). */
  countryNumber: ArrayLike<number>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Orders entries by hash, then ordinal (a batch may land two versions of one id). */
export function compareEntries(a: VersionEntry, b: VersionEntry): number {
  return a.hi - b.hi || a.lo - b.lo || a.ordinal - b.ordinal;
}

/** Encodes entries (any order) as a run; `hashCheck`: RunEncoder's. */
export function encodeRun(unsorted: readonly VersionEntry[], hashCheck: HashCheck = NO_HASH_CHECK): Buffer {
  const entries = [...unsorted].sort(compareEntries);
  const ids = entries.map((e) => Buffer.byteLength(e.readingId, 'utf8'));
  const encoder = new RunEncoder(
    entries.length,
    entries.flatMap((e) => (e.country === null ? [] : [e.country])),
    ids.reduce((sum, n) => sum + n, 0),
    hashCheck,
  );
  let end = 0;
  entries.forEach((e, p) => {
    end += ids[p]!;
    encoder.setHash(p, e.hi, e.lo, end);
  });
  const number = new Map(encoder.countries.map((c, i) => [c, i]));
  encoder.setRecords(
    Uint32Array.from(entries, (_, p) => p),
    columnsOf(entries, (c) => (c === null ? -1 : number.get(c)!)),
  );
  encoder.setIds(Buffer.from(entries.map((e) => e.readingId).join(''), 'utf8'));
  return encoder.finish();
}

/**
 * What the id hash is: the hash the writing engine gives a fixed text, kept in the header. A reader
 * whose engine hashes that text otherwise (a DuckDB upgrade that changed `hash()`) must not probe
 * the run with its own hashes: the run is rebuilt (`tempctl versions rebuild`) first.
 */
export type HashCheck = readonly [hi: number, lo: number];
const NO_HASH_CHECK: HashCheck = [0, 0];

/**
 * Writes a run into one buffer sized from the totals given first: the hashes in the run's order
 * (by hash, then ordinal: the caller sorts) with where each id ends, the records of entries in any
 * order, each at its position, and the ids section whole.
 */
export class RunEncoder {
  private readonly out: Buffer;
  private readonly layout: Omit<RunLayout, 'countries' | 'hashCheck'>;
  private readonly countryNumber: Map<string, number>;
  private hashes = 0;
  private records = 0;
  private idsSet = false;
  /** The hashes and id ends sections as typed views (little-endian hosts, aligned: always, as laid out). */
  private readonly hashWords: Uint32Array | undefined;
  private readonly ends: Uint32Array | undefined;

  /** `countries`: every entry's country (repeats allowed); `idBytes`: the UTF-8 length of all ids. */
  constructor(
    private readonly entries: number,
    countries: Iterable<string>,
    idBytes: number,
    hashCheck: HashCheck,
  ) {
    const names = [...new Set(countries)].sort();
    this.countryNumber = new Map(names.map((c, i) => [c, i]));
    const countryBytes = names.map((c) => Buffer.from(c, 'utf8'));
    const countriesLength = countryBytes.reduce((sum, b) => sum + 2 + b.length, 0);
    this.layout = layoutOf(entries, countriesLength, idBytes);
    this.out = Buffer.alloc(this.layout.bytes);
    this.out.write(RUN_MAGIC, 0, 'latin1');
    this.out.writeUInt32LE(entries, 8);
    this.out.writeUInt32LE(names.length, 12);
    this.out.writeUInt32LE(countriesLength, 16);
    this.out.writeUInt32LE(idBytes, 20);
    this.out.writeUInt32LE(hashCheck[0] >>> 0, 24);
    this.out.writeUInt32LE(hashCheck[1] >>> 0, 28);
    const endsAt = this.out.byteOffset + this.layout.idEndsAt;
    const hashesAt = this.out.byteOffset + this.layout.hashesAt;
    const typed = LITTLE_ENDIAN && endsAt % 4 === 0 && hashesAt % 4 === 0;
    this.ends = typed ? new Uint32Array(this.out.buffer, endsAt, entries) : undefined;
    this.hashWords = typed ? new Uint32Array(this.out.buffer, hashesAt, 2 * entries) : undefined;
    let at = this.layout.countriesAt;
    for (const b of countryBytes) {
      this.out.writeUInt16LE(b.length, at);
      b.copy(this.out, at + 2);
      at += 2 + b.length;
    }
  }

  /** Entry `p`'s hash and where its id ends in the id bytes (p = 0, 1, 2… in order). */
  setHash(p: number, hi: number, lo: number, idEnd: number): void {
    if (this.hashWords !== undefined && this.ends !== undefined) {
      this.hashWords[2 * p] = hi;
      this.hashWords[2 * p + 1] = lo;
      this.ends[p] = idEnd;
    } else {
      const { out, layout } = this;
      out.writeUInt32LE(hi >>> 0, layout.hashesAt + 8 * p);
      out.writeUInt32LE(lo >>> 0, layout.hashesAt + 8 * p + 4);
      out.writeUInt32LE(idEnd, layout.idEndsAt + 4 * p);
    }
    this.hashes += 1;
  }

  /** Entry p's id length in bytes (its hash and id end set). */
  idLength(p: number): number {
    return this.idEnd(p) - (p === 0 ? 0 : this.idEnd(p - 1));
  }

  /**
   * The ids section: every entry's id in the run's order, UTF-8, back to back (`ids`), or, with
   * `separator`, each id followed by that one byte (as DuckDB's CSV writer gives them:
   * adapters/versions/duckdbRuns.ts), which is checked at every id's end and dropped.
   * @throws RangeError when the bytes do not match the id lengths `setHash` gave.
   */
  setIds(ids: Buffer, separator?: number): void {
    const { out, layout } = this;
    const total = layout.bytes - layout.idsAt;
    if (separator === undefined) {
      if (ids.length !== total) throw new RangeError(`the ids take ${ids.length} bytes, not ${total}`);
      ids.copy(out, layout.idsAt);
    } else {
      if (ids.length !== total + this.entries)
        throw new RangeError(`the separated ids take ${ids.length} bytes, not ${total + this.entries}`);
      let from = 0;
      let to = layout.idsAt;
      for (let p = 0; p < this.entries; p += 1) {
        const length = this.idLength(p);
        if (ids[from + length] !== separator)
          throw new RangeError(`entry ${p}'s id is not followed by the separator where its length says`);
        ids.copy(out, to, from, from + length);
        from += length + 1;
        to += length;
      }
    }
    this.idsSet = true;
  }

  /**
   * The records of `columns`' entries, the k-th at position `positions[k]`. On a little-endian host
   * through typed views.
   */
  setRecords(positions: ArrayLike<number>, columns: RunColumns): void {
    const { out, layout } = this;
    const count = positions.length;
    const countries = this.countryNumber.size;
    const base = out.byteOffset + layout.recordsAt;
    const aligned = LITTLE_ENDIAN && base % 8 === 0;
    const doubles = aligned
      ? new Float64Array(out.buffer, base, (RECORD_BYTES / 8) * this.entries)
      : undefined;
    const ints = aligned ? new Int32Array(out.buffer, base, (RECORD_BYTES / 4) * this.entries) : undefined;
    for (let k = 0; k < count; k += 1) {
      const p = positions[k]!;
      const number = columns.countryNumber[k]!;
      if (number < -1 || number >= countries)
        throw new RangeError(`country number ${number} is not one of the run's ${countries}`);
      const hour = Math.floor(columns.belongsToHour[k]! / HOUR_MS);
      if (doubles !== undefined && ints !== undefined) {
        const d = (RECORD_BYTES / 8) * p;
        doubles[d] = columns.measuredAt[k]!;
        doubles[d + 1] = columns.lat[k]!;
        doubles[d + 2] = columns.lon[k]!;
        doubles[d + 3] = columns.temperature[k]!;
        const w = (RECORD_BYTES / 4) * p + 8;
        ints[w] = hour;
        ints[w + 1] = columns.bucket[k]!;
        // The unsigned ordinal through an Int32Array: the same bits.
        ints[w + 2] = columns.ordinal[k]! | 0;
        ints[w + 3] = number;
      } else {
        const r = layout.recordsAt + RECORD_BYTES * p;
        out.writeDoubleLE(columns.measuredAt[k]!, r);
        out.writeDoubleLE(columns.lat[k]!, r + 8);
        out.writeDoubleLE(columns.lon[k]!, r + 16);
        out.writeDoubleLE(columns.temperature[k]!, r + 24);
        out.writeInt32LE(hour, r + 32);
        out.writeInt32LE(columns.bucket[k]!, r + 36);
        out.writeUInt32LE(columns.ordinal[k]!, r + 40);
        out.writeInt32LE(number, r + 44);
      }
    }
    this.records += count;
  }

  /** The end of entry p's id (as setHash gave it). */
  private idEnd(p: number): number {
    return this.ends === undefined ? this.out.readUInt32LE(this.layout.idEndsAt + 4 * p) : this.ends[p]!;
  }

  /** The run's sorted list of countries: an entry's country number indexes it. */
  get countries(): string[] {
    return [...this.countryNumber.keys()];
  }

  finish(): Buffer {
    if (this.hashes !== this.entries || this.records !== this.entries || !this.idsSet)
      throw new RangeError(
        `a run announced ${this.entries} entries and got ${this.hashes} hashes, ${this.records} records and ${this.idsSet ? 'its' : 'no'} ids`,
      );
    return this.out;
  }
}

function columnsOf(
  entries: readonly VersionEntry[],
  countryNumber: (c: string | null) => number,
): RunColumns {
  return {
    belongsToHour: entries.map((e) => e.belongsToHour),
    bucket: entries.map((e) => e.bucket),
    ordinal: entries.map((e) => e.ordinal),
    measuredAt: entries.map((e) => e.measuredAt),
    lat: entries.map((e) => e.lat),
    lon: entries.map((e) => e.lon),
    temperature: entries.map((e) => e.temperature),
    countryNumber: entries.map((e) => countryNumber(e.country)),
  };
}

function layoutOf(
  n: number,
  countriesLength: number,
  idsLength: number,
): Omit<RunLayout, 'countries' | 'hashCheck'> {
  const hashesAt = RUN_HEADER_BYTES;
  const recordsAt = hashesAt + 8 * n;
  const idEndsAt = recordsAt + RECORD_BYTES * n;
  const countriesAt = idEndsAt + 4 * n;
  const idsAt = countriesAt + countriesLength;
  return { entries: n, hashesAt, recordsAt, idEndsAt, countriesAt, idsAt, bytes: idsAt + idsLength };
}

/**
 * The layout of a run from its first bytes: the header and the country list (`head` must reach the
 * end of the countries: `headBytesNeeded` says how far once the header is read).
 * @throws RangeError when the bytes are no version run.
 */
export function readLayout(head: Buffer, totalBytes: number): RunLayout {
  if (head.length < RUN_HEADER_BYTES || head.toString('latin1', 0, 8) !== RUN_MAGIC)
    throw new RangeError('not a version run (bad magic)');
  const n = head.readUInt32LE(8);
  const countryCount = head.readUInt32LE(12);
  const layout = layoutOf(n, head.readUInt32LE(16), head.readUInt32LE(20));
  if (layout.bytes !== totalBytes)
    throw new RangeError(`a version run of ${n} entries has ${layout.bytes} bytes, not ${totalBytes}`);
  if (head.length < layout.idsAt) throw new RangeError('the run head stops before its countries end');
  const countries: string[] = [];
  let at = layout.countriesAt;
  for (let i = 0; i < countryCount; i += 1) {
    const length = head.readUInt16LE(at);
    countries.push(head.toString('utf8', at + 2, at + 2 + length));
    at += 2 + length;
  }
  return { ...layout, countries, hashCheck: [head.readUInt32LE(24), head.readUInt32LE(28)] };
}

/** Bytes from the start of a run to the end of its country list, given its header. */
export function headBytesNeeded(header: Buffer): number {
  const n = header.readUInt32LE(8);
  return layoutOf(n, header.readUInt32LE(16), 0).idsAt;
}

/** The hashes of a run (the hashes section) as hi and lo arrays. */
export function hashesOf(section: Buffer, entries: number): { hi: Uint32Array; lo: Uint32Array } {
  const hi = new Uint32Array(entries);
  const lo = new Uint32Array(entries);
  for (let i = 0; i < entries; i += 1) {
    hi[i] = section.readUInt32LE(8 * i);
    lo[i] = section.readUInt32LE(8 * i + 4);
  }
  return { hi, lo };
}

/** Entry `i`'s values from its record, its id's bytes and the run's countries. */
export function entryOf(
  hi: number,
  lo: number,
  record: Buffer,
  readingId: string,
  countries: readonly string[],
): VersionEntry {
  const country = record.readInt32LE(44);
  return {
    hi,
    lo,
    readingId,
    measuredAt: record.readDoubleLE(0),
    lat: record.readDoubleLE(8),
    lon: record.readDoubleLE(16),
    temperature: record.readDoubleLE(24),
    belongsToHour: record.readInt32LE(32) * HOUR_MS,
    bucket: record.readInt32LE(36),
    ordinal: record.readUInt32LE(40),
    country: country < 0 ? null : (countries[country] ?? null),
  };
}

/** Every entry of a whole run in memory (tests, `versions rebuild`'s comparison). */
export function decodeRun(run: Buffer): VersionEntry[] {
  const layout = readLayout(run, run.length);
  const { hi, lo } = hashesOf(run.subarray(layout.hashesAt, layout.recordsAt), layout.entries);
  const entries: VersionEntry[] = [];
  let idStart = 0;
  for (let i = 0; i < layout.entries; i += 1) {
    const idEnd = run.readUInt32LE(layout.idEndsAt + 4 * i);
    const record = run.subarray(
      layout.recordsAt + RECORD_BYTES * i,
      layout.recordsAt + RECORD_BYTES * (i + 1),
    );
    const id = run.toString('utf8', layout.idsAt + idStart, layout.idsAt + idEnd);
    entries.push(entryOf(hi[i]!, lo[i]!, record, id, layout.countries));
    idStart = idEnd;
  }
  return entries;
}
