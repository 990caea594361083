/**
 * A version run: the versions one batch landed, as the version index stores them
 * (docs/versioning.md, "The version index"). One entry per landed row, sorted by the id's 64-bit hash
 * (then ordinal), in a fixed binary layout so a reader finds an entry with one read of a block of
 * hashes and one of its record, never reading the whole run:
 *
 *     header   48 B   magic "TPVRUN01", entries n, countries c, country bytes, id bytes (u32 LE each)
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
  hashesAt: number;
  recordsAt: number;
  idEndsAt: number;
  countriesAt: number;
  idsAt: number;
  bytes: number;
  countries: string[];
}

/** Orders entries by hash, then ordinal (a batch may land two versions of one id). */
export function compareEntries(a: VersionEntry, b: VersionEntry): number {
  return a.hi - b.hi || a.lo - b.lo || a.ordinal - b.ordinal;
}

export function encodeRun(unsorted: readonly VersionEntry[]): Buffer {
  const entries = [...unsorted].sort(compareEntries);
  const encoder = new RunEncoder(
    entries.length,
    entries.flatMap((e) => (e.country === null ? [] : [e.country])),
    entries.reduce((sum, e) => sum + Buffer.byteLength(e.readingId, 'utf8'), 0),
  );
  entries.forEach((e, i) => encoder.put(i, e));
  return encoder.finish();
}

/**
 * Writes a run entry by entry, in the run's order (by hash, then ordinal: the caller sorts), into one
 * buffer sized from the totals given first.
 */
export class RunEncoder {
  private readonly out: Buffer;
  private readonly layout: Omit<RunLayout, 'countries'>;
  private readonly countryNumber: Map<string, number>;
  private idEnd = 0;
  private written = 0;

  /** `countries`: every entry's country (repeats allowed); `idBytes`: the UTF-8 length of all ids. */
  constructor(
    private readonly entries: number,
    countries: Iterable<string>,
    idBytes: number,
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
    let at = this.layout.countriesAt;
    for (const b of countryBytes) {
      this.out.writeUInt16LE(b.length, at);
      b.copy(this.out, at + 2);
      at += 2 + b.length;
    }
  }

  /** Entry `i` (0, 1, 2… in order). */
  put(i: number, e: VersionEntry): void {
    if (i !== this.written)
      throw new RangeError(`run entries are written in order: ${i} after ${this.written}`);
    const { out, layout } = this;
    out.writeUInt32LE(e.hi >>> 0, layout.hashesAt + 8 * i);
    out.writeUInt32LE(e.lo >>> 0, layout.hashesAt + 8 * i + 4);
    const r = layout.recordsAt + RECORD_BYTES * i;
    out.writeDoubleLE(e.measuredAt, r);
    out.writeDoubleLE(e.lat, r + 8);
    out.writeDoubleLE(e.lon, r + 16);
    out.writeDoubleLE(e.temperature, r + 24);
    out.writeInt32LE(Math.floor(e.belongsToHour / HOUR_MS), r + 32);
    out.writeInt32LE(e.bucket, r + 36);
    out.writeUInt32LE(e.ordinal, r + 40);
    const country = e.country === null ? -1 : this.countryNumber.get(e.country);
    if (country === undefined) throw new RangeError(`country ${e.country} was not announced to the run`);
    out.writeInt32LE(country, r + 44);
    const idStart = layout.idsAt + this.idEnd;
    this.idEnd += out.write(e.readingId, idStart, 'utf8');
    out.writeUInt32LE(this.idEnd, layout.idEndsAt + 4 * i);
    this.written += 1;
  }

  finish(): Buffer {
    if (this.written !== this.entries || this.layout.idsAt + this.idEnd !== this.layout.bytes)
      throw new RangeError(`a run announced ${this.entries} entries and got ${this.written}, or other ids`);
    return this.out;
  }
}

function layoutOf(n: number, countriesLength: number, idsLength: number): Omit<RunLayout, 'countries'> {
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
  return { ...layout, countries };
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
