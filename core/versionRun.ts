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

/** A run's fixed parts, from its totals: the layout, the header and the countries section. */
export interface RunFrame {
  layout: RunLayout;
  /** RUN_HEADER_BYTES bytes, at 0. */
  header: Buffer;
  /** At `layout.countriesAt`. */
  countriesSection: Buffer;
  /** Each country's number in the run (its place in the sorted list). */
  countryNumber: ReadonlyMap<string, number>;
}

/**
 * The frame of a run of `entries` entries. `countries`: every entry's country (repeats allowed);
 * `idBytes`: the UTF-8 length of all ids; `hashCheck`: the writing engine's (HashCheck).
 */
export function runFrame(
  entries: number,
  countries: Iterable<string>,
  idBytes: number,
  hashCheck: HashCheck,
): RunFrame {
  const names = [...new Set(countries)].sort();
  const countryBytes = names.map((c) => Buffer.from(c, 'utf8'));
  const countriesSection = Buffer.alloc(countryBytes.reduce((sum, b) => sum + 2 + b.length, 0));
  let at = 0;
  for (const b of countryBytes) {
    countriesSection.writeUInt16LE(b.length, at);
    b.copy(countriesSection, at + 2);
    at += 2 + b.length;
  }
  const layout = layoutOf(entries, countriesSection.length, idBytes);
  const header = Buffer.alloc(RUN_HEADER_BYTES);
  header.write(RUN_MAGIC, 0, 'latin1');
  header.writeUInt32LE(entries, 8);
  header.writeUInt32LE(names.length, 12);
  header.writeUInt32LE(countriesSection.length, 16);
  header.writeUInt32LE(idBytes, 20);
  header.writeUInt32LE(hashCheck[0] >>> 0, 24);
  header.writeUInt32LE(hashCheck[1] >>> 0, 28);
  return {
    layout: { ...layout, countries: names, hashCheck: [hashCheck[0] >>> 0, hashCheck[1] >>> 0] },
    header,
    countriesSection,
    countryNumber: new Map(names.map((c, i) => [c, i])),
  };
}

/**
 * Records (RECORD_BYTES each) written into a buffer by slot: through typed views on a little-endian
 * host when the buffer is 8-byte aligned (always, as runs are laid out), otherwise byte by byte.
 */
export class RecordView {
  private readonly doubles: Float64Array | undefined;
  private readonly ints: Int32Array | undefined;

  constructor(
    private readonly bytes: Buffer,
    private readonly countries: number,
  ) {
    const aligned = LITTLE_ENDIAN && bytes.byteOffset % 8 === 0;
    const slots = Math.floor(bytes.length / RECORD_BYTES);
    this.doubles = aligned
      ? new Float64Array(bytes.buffer, bytes.byteOffset, (RECORD_BYTES / 8) * slots)
      : undefined;
    this.ints = aligned
      ? new Int32Array(bytes.buffer, bytes.byteOffset, (RECORD_BYTES / 4) * slots)
      : undefined;
  }

  /** Writes `columns`' k-th entry at record slot `slot`. */
  put(slot: number, columns: RunColumns, k: number): void {
    const number = columns.countryNumber[k]!;
    if (number < -1 || number >= this.countries)
      throw new RangeError(`country number ${number} is not one of the run's ${this.countries}`);
    const hour = Math.floor(columns.belongsToHour[k]! / HOUR_MS);
    const { doubles, ints } = this;
    if (doubles !== undefined && ints !== undefined) {
      const d = (RECORD_BYTES / 8) * slot;
      doubles[d] = columns.measuredAt[k]!;
      doubles[d + 1] = columns.lat[k]!;
      doubles[d + 2] = columns.lon[k]!;
      doubles[d + 3] = columns.temperature[k]!;
      const w = (RECORD_BYTES / 4) * slot + 8;
      ints[w] = hour;
      ints[w + 1] = columns.bucket[k]!;
      // The unsigned ordinal through an Int32Array: the same bits.
      ints[w + 2] = columns.ordinal[k]! | 0;
      ints[w + 3] = number;
    } else {
      const r = RECORD_BYTES * slot;
      const out = this.bytes;
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
}

/**
 * Copies the ids section out of `ids`: every id in the run's order, each followed by the byte
 * `separator` (as DuckDB's CSV writer gives them: adapters/versions/duckdbRuns.ts), dropped here.
 * `idLength(p)`: entry p's id length in bytes; entries `first`… are copied for as long as `ids`
 * holds them whole. Returns the entries copied and the bytes of `ids` and of `out` used.
 * @throws RangeError when a separator is not where an id's length says it ends.
 */
export function copySeparatedIds(
  ids: Buffer,
  out: Buffer,
  first: number,
  entries: number,
  idLength: (p: number) => number,
  separator: number,
): { copied: number; read: number; written: number } {
  let read = 0;
  let written = 0;
  let p = first;
  for (; p < entries; p += 1) {
    const length = idLength(p);
    if (read + length >= ids.length || written + length > out.length) break;
    if (ids[read + length] !== separator)
      throw new RangeError(`entry ${p}'s id is not followed by the separator where its length says`);
    ids.copy(out, written, read, read + length);
    read += length + 1;
    written += length;
  }
  return { copied: p - first, read, written };
}

/**
 * Writes a run into one buffer (tests, `encodeRun`; the landing streams its runs to a file:
 * adapters/versions/runFile.ts): the hashes in the run's order (by hash, then ordinal: the caller
 * sorts) with where each id ends, the records of entries in any order, each at its position, and
 * the ids section whole.
 */
export class RunEncoder {
  private readonly out: Buffer;
  private readonly frame: RunFrame;
  private hashes = 0;
  private records = 0;
  private idsSet = false;

  constructor(entries: number, countries: Iterable<string>, idBytes: number, hashCheck: HashCheck) {
    this.frame = runFrame(entries, countries, idBytes, hashCheck);
    const { layout } = this.frame;
    this.out = Buffer.alloc(layout.bytes);
    this.frame.header.copy(this.out, 0);
    this.frame.countriesSection.copy(this.out, layout.countriesAt);
  }

  /** Entry `p`'s hash and where its id ends in the id bytes (p = 0, 1, 2… in order). */
  setHash(p: number, hi: number, lo: number, idEnd: number): void {
    const { out } = this;
    const { layout } = this.frame;
    out.writeUInt32LE(hi >>> 0, layout.hashesAt + 8 * p);
    out.writeUInt32LE(lo >>> 0, layout.hashesAt + 8 * p + 4);
    out.writeUInt32LE(idEnd, layout.idEndsAt + 4 * p);
    this.hashes += 1;
  }

  /** The records of `columns`' entries, the k-th at position `positions[k]`. */
  setRecords(positions: ArrayLike<number>, columns: RunColumns): void {
    const { layout } = this.frame;
    const view = new RecordView(
      this.out.subarray(layout.recordsAt, layout.idEndsAt),
      this.frame.countryNumber.size,
    );
    for (let k = 0; k < positions.length; k += 1) view.put(positions[k]!, columns, k);
    this.records += positions.length;
  }

  /** The ids section: every entry's id in the run's order, UTF-8, back to back. */
  setIds(ids: Buffer): void {
    const { layout } = this.frame;
    const total = layout.bytes - layout.idsAt;
    if (ids.length !== total) throw new RangeError(`the ids take ${ids.length} bytes, not ${total}`);
    ids.copy(this.out, layout.idsAt);
    this.idsSet = true;
  }

  /** The run's sorted list of countries: an entry's country number indexes it. */
  get countries(): string[] {
    return this.frame.layout.countries;
  }

  finish(): Buffer {
    const { entries } = this.frame.layout;
    if (this.hashes !== entries || this.records !== entries || !this.idsSet)
      throw new RangeError(
        `a run announced ${entries} entries and got ${this.hashes} hashes, ${this.records} records and ${this.idsSet ? 'its' : 'no'} ids`,
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
