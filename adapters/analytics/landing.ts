/**
 * Lands one batch body (a JSON array in a local file) as Parquet: parse, check, compare with the
 * earlier versions of its ids, and write zstd Parquet: a file per bucket of the import hour, and
 * one per bucket for its corrections of all earlier hours (`writeFiles`).
 *
 * Fast path: DuckDB reads the whole array (read_json, each field as a JSON value) and keeps the
 * records `fastValidSql` (core/readingSql.ts) accepts. Record-by-record path: the records it does
 * not accept, or every record when DuckDB refuses the body (a token it cannot read), are cut out
 * of the body by `JsonArraySplitter`, parsed and checked one by one with `validateRecord`: the good
 * ones land, the bad ones go to quarantine with their reasons. One bad record never costs the hour.
 *
 * Versions (docs/versioning.md): a record equal to its id's newest version (earlier in the batch,
 * or landed before within the correction horizon) is a duplicate; any other is a new version that
 * counts in the hour its id was first seen (`belongs_to_hour`).
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { JsonArraySplitter, NotAJsonArray } from '../../core/jsonArray';
import { parseJsonLenient } from '../../core/lenientJson';
import { duplicateKeys } from '../../core/duplicateKeys';
import { bucketSql } from '../../core/landingKeys';
import {
  checkHorizon,
  parseTimestamp,
  validateRecord,
  type Rejection,
  type ValidationLimits,
} from '../../core/reading';
import { beyondHorizonSql, timeValidSql, TYPED_VALUES_SQL, valuesValidSql } from '../../core/readingSql';
import { countReasons, QUARANTINE_SAMPLES_PER_REASON } from '../../core/landingPlan';
import { SourceError } from '../../core/errors';
import { horizonStart, lookupWindowStart } from '../../core/importHour';
import { cutBody } from './bodyParts';
import { checkBody, failOnShape } from './bodyCheck';
import { queryRows, sqlInstant, sqlPaths, sqlString } from './duckdb';

/** The columns, in order, of the versions a lookup compares with (the index's table, the files' rows). */
const KNOWN_NAMES =
  'reading_id, belongs_to_hour, bucket, measured_at, lat, lon, temperature, country, received_at, batch_key, ordinal';

export interface LandBodyInput {
  bodyPath: string;
  source: string;
  batchKey: string;
  importHour: Date;
  /** When the batch was received: orders versions (newest = latest received). */
  fetchedAt: Date;
  limits: ValidationLimits;
  /** CORRECTION_HORIZON_HOURS. */
  horizonHours: number;
  /**
   * Local Parquet files holding the source's live versions within the horizon that the version index
   * does not answer for (batches landed before it, until `tempctl versions rebuild`).
   */
  knownFiles: readonly string[];
  /**
   * The version index's answer (adapters/versions/landingLookup.ts): given the SQL of the batch's ids
   * (column `reading_id`), creates a temporary table of the newest live version of each id it knows
   * (adapters/versions/duckdbRuns.ts KNOWN_COLUMNS) and returns its name.
   */
  indexedVersions?: (conn: DuckDBConnection, idsSql: string) => Promise<string>;
  /** Also give its corrections of earlier hours as bucket changes (`versionChanges`), for deltas. */
  versionChanges?: boolean;
  /**
   * The bucket count of each hour (ms since epoch) the batch's readings belong to, given how many of
   * the batch's landed rows belong to each (activities/fetch.ts: the source's count in the hour, or
   * `bucketCountFor`).
   */
  bucketCounts: (hours: { hour: Date; readings: number }[]) => Promise<Map<number, number>>;
  /** A private folder for the Parquet files written. */
  workDir: string;
  progress: (stage: string) => void;
  /** The body already cut into part files (adapters/analytics/bodyParts.ts `partWriter`). */
  parts?: readonly string[];
  /**
   * Otherwise, files to cut the body into, one per DuckDB thread, read in parallel; overwritten,
   * never removed (the caller's `PartFiles`). None: the body is read whole.
   */
  partFiles?: readonly string[];
  /** The smallest part worth cutting (adapters/analytics/bodyParts.ts; tests use small ones). */
  minPartBytes?: number;
  /** Skip the fast path (tests compare both paths on the same body). */
  recordByRecordOnly?: boolean;
}

/**
 * One bucket of one hour in a file the landing wrote. A file of corrections (`corrections`) holds
 * the batch's corrections of every earlier hour in its bucket: it is listed once for each hour, with
 * that hour's rows.
 */
export interface LandedFile {
  path: string;
  belongsToHour: Date;
  bucket: number;
  bucketCount: number;
  rows: number;
  corrections?: boolean;
}

export interface BodyRejection {
  /** The record as parsed (null when it is not JSON). */
  record: unknown;
  /** The record's text as sent, kept in the quarantine (`-0.0`, `1e400` stay what they were). */
  text?: string;
  reasons: Rejection[];
}

/** A reading's values that place and count it. */
export interface CountedValues {
  lat: number;
  lon: number;
  temperature: number;
  country: string | null;
}

/** A batch's corrections in one bucket of an earlier hour: the versions that counted, and those that count now. */
export interface VersionChange {
  hour: Date;
  bucket: number;
  bucketCount: number;
  before: CountedValues[];
  after: CountedValues[];
}

export interface LandedBody {
  fetched: number;
  valid: number;
  duplicates: number;
  corrections: number;
  correctedHours: Date[];
  /** Records refused, and by reason (each of a record's reasons counts). */
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** The refused records kept with their text: the first QUARANTINE_SAMPLES_PER_REASON of each (first) reason. */
  rejections: BodyRejection[];
  files: LandedFile[];
  /** Records that went the record-by-record way (all of them when DuckDB refused the body). */
  checkedOneByOne: number;
  /** Its corrections of earlier hours (undefined: they cannot be applied as deltas). */
  versionChanges: VersionChange[] | undefined;
}

/**
 * Parquet key-value metadata of a landed file in which every reading has one version only (a batch
 * with no repeated id and no earlier version): reading it needs no choice between versions.
 */
export const ONE_VERSION_EACH = { key: 'pipeline.one_version_per_reading', value: 'true' };

/** `part_hour` of the batch's files of corrections (`writeFiles`): never an hour's epoch ms. */
const CORRECTIONS_PART = -1;

/** The columns of every landed Parquet file, in order. */
export const LANDED_COLUMNS =
  'source, reading_id, batch_key, ordinal, import_hour, belongs_to_hour, bucket, received_at, measured_at, lat, lon, temperature, country';

// The timestamp is read as text: whatever JSON value it is, only text `parseTimestamp` accepts gives
// a measured_at, so reading a number or an object as its text can never let a wrong one through.
const RAW_COLUMNS = `{id: 'JSON', timestamp: 'VARCHAR', lat: 'JSON', lon: 'JSON', temperature: 'JSON', country: 'JSON'}`;
const MAX_OBJECT_BYTES = 16 * 1024 * 1024;
/** DuckDB's Parquet row group size (rows), its default; also the partitioned write's flush size. */
const ROW_GROUP_ROWS = 122_880;
const CAREFUL_COLUMNS =
  'ordinal BIGINT, reading_id VARCHAR, measured_at TIMESTAMPTZ, lat DOUBLE, lon DOUBLE, temperature DOUBLE, country VARCHAR';

export async function landBody(conn: DuckDBConnection, input: LandBodyInput): Promise<LandedBody> {
  const oldest = horizonStart(input.importHour, input.horizonHours);
  input.progress('check');
  // The answer is stored already: one that is no JSON array fails here, named for what it is.
  await checkBody(input.bodyPath, input.source);
  input.progress('parse');
  // The records the record-by-record path accepts.
  await conn.run(`CREATE TEMP TABLE careful (${CAREFUL_COLUMNS})`);
  let fetched: number;
  let beyondCount = 0;
  let slow: { wanted: Set<number> | 'all' };
  try {
    if (input.recordByRecordOnly === true) throw new Error('fast path skipped');
    fetched = await fastPath(conn, input, oldest);
    // Valid records measured before the horizon are only counted here (an hour of them costs
    // what a good hour costs); the first few go the careful way, for their reason's message.
    const [beyond] = await queryRows<{ n: number }>(
      conn,
      `SELECT CAST(count(*) AS DOUBLE) AS n FROM fast WHERE beyond`,
    );
    beyondCount = beyond?.n ?? 0;
    const bad = await queryRows<{ ordinal: number }>(
      conn,
      `SELECT CAST(ordinal AS DOUBLE) AS ordinal FROM fast WHERE NOT ok AND NOT beyond
       UNION ALL (SELECT CAST(ordinal AS DOUBLE) FROM fast WHERE beyond ORDER BY ordinal LIMIT ${QUARANTINE_SAMPLES_PER_REASON})
       ORDER BY ordinal`,
    );
    slow = { wanted: new Set(bad.map((row) => row.ordinal)) };
    await conn.run(
      `CREATE TEMP VIEW valid AS
         SELECT ordinal, reading_id, measured_at, lat, lon, temperature, country FROM fast WHERE ok
         UNION ALL SELECT * FROM careful`,
    );
  } catch (error) {
    if (error instanceof SourceError) throw error;
    // DuckDB refused the body as a whole (a token it cannot read, an element that is not an
    // object): every record goes through the record-by-record path.
    await conn.run(`CREATE OR REPLACE TEMP VIEW valid AS SELECT * FROM careful`);
    slow = { wanted: 'all' };
    fetched = 0;
    beyondCount = 0;
  }
  const rejections: BodyRejection[] = [];
  const refused = { records: 0, byReason: {} as Record<string, number> };
  const keptByReason = new Map<string, number>();
  let checkedOneByOne = 0;
  if (slow.wanted === 'all' || slow.wanted.size > 0) {
    input.progress('records');
    const counted = await recordByRecord(conn, input, slow.wanted, (rejection) => {
      refused.records += 1;
      const first = rejection.reasons[0]?.code ?? 'not_json';
      const kept = keptByReason.get(first) ?? 0;
      for (const [code, n] of Object.entries(countReasons([rejection])))
        refused.byReason[code] = (refused.byReason[code] ?? 0) + n;
      if (kept < QUARANTINE_SAMPLES_PER_REASON) {
        keptByReason.set(first, kept + 1);
        rejections.push(rejection);
      }
    });
    if (slow.wanted === 'all') fetched = counted;
    checkedOneByOne = slow.wanted === 'all' ? counted : slow.wanted.size;
  }
  // The records counted in SQL beyond the examples the careful path refused itself.
  const sampled = Math.min(beyondCount, QUARANTINE_SAMPLES_PER_REASON);
  if (beyondCount > sampled) {
    refused.records += beyondCount - sampled;
    refused.byReason.beyond_correction_horizon =
      (refused.byReason.beyond_correction_horizon ?? 0) + beyondCount - sampled;
  }
  input.progress('versions');
  const { oneVersionEach, ...plan } = await planVersions(conn, input, slow.wanted !== 'all');
  input.progress('write');
  const files = await writeFiles(conn, input, oneVersionEach);
  return {
    fetched,
    rejected: refused.records,
    rejectedByReason: refused.byReason,
    rejections,
    files,
    checkedOneByOne,
    ...plan,
  };
}

/**
 * Reads the body, in one pass, into `checked`: each record's typed values, its timestamp's text
 * and `values_ok`, the fast path's verdict on all but the timestamp; the table's rowid is the
 * record's ordinal (its position in the body: insertion order is preserved). Then the view `fast`
 * adds `measured_at` and `ok`, the whole verdict. Returns how many records the body holds.
 */
async function fastPath(conn: DuckDBConnection, input: LandBodyInput, oldest: Date): Promise<number> {
  const parts =
    input.parts !== undefined && input.parts.length > 1
      ? [...input.parts]
      : await cutBody(input.bodyPath, input.partFiles ?? [], input.minPartBytes);
  const read = (files: string[]) =>
    conn.run(
      `CREATE OR REPLACE TEMP TABLE checked AS
         SELECT reading_id, timestamp, lat, lon, temperature, CASE WHEN NOT country_absent THEN country END AS country,
                coalesce(${valuesValidSql(input.limits)}, false) AS values_ok
           FROM (SELECT ${TYPED_VALUES_SQL}
                   FROM read_json(${sqlPaths(files)}, format = 'array', columns = ${RAW_COLUMNS}, maximum_object_size = ${MAX_OBJECT_BYTES}))`,
    );
  try {
    await read(parts);
  } catch (error) {
    // A cut that was not between two records (core/arrayCut.ts): the body is read whole.
    if (parts.length === 1) throw error;
    await read([input.bodyPath]);
  }
  // Timestamps are few per hour (one per second at most): each distinct text is parsed once by
  // core's parseTimestamp, the one rule for what a valid timestamp is.
  const texts = await queryRows<{ t: string }>(
    conn,
    `SELECT DISTINCT timestamp AS t FROM checked WHERE timestamp IS NOT NULL`,
  );
  const parsed = texts.flatMap(({ t }) => {
    const iso = parseTimestamp(t);
    return iso === null ? [] : [{ t, ms: Date.parse(iso) }];
  });
  const mapFile = path.join(input.workDir, 'timestamps.json');
  await fs.writeFile(mapFile, JSON.stringify(parsed));
  await conn.run(
    `CREATE TEMP TABLE ts_map AS SELECT t, CAST(epoch_ms(ms) AS TIMESTAMPTZ) AS measured_at FROM read_json(${sqlString(mapFile)}, format = 'array', columns = {t: 'VARCHAR', ms: 'BIGINT'})`,
  );
  await conn.run(
    `CREATE TEMP VIEW fast AS
       SELECT ordinal, reading_id, measured_at, lat, lon, temperature, country,
              values_ok AND coalesce(${timeValidSql(input.limits, sqlInstant(oldest))}, false) AS ok,
              values_ok AND coalesce(${beyondHorizonSql(input.limits, sqlInstant(oldest))}, false) AS beyond
         FROM (SELECT c.rowid AS ordinal, c.*, m.measured_at FROM checked c LEFT JOIN ts_map m ON m.t = c.timestamp)`,
  );
  const [count] = await queryRows<{ n: number }>(conn, `SELECT CAST(count(*) AS DOUBLE) AS n FROM checked`);
  return count?.n ?? 0;
}

/** Parses and checks the wanted records one by one; returns how many records the body holds. */
async function recordByRecord(
  conn: DuckDBConnection,
  input: LandBodyInput,
  wanted: Set<number> | 'all',
  reject: (rejection: BodyRejection) => void,
): Promise<number> {
  const rejections = { push: reject };
  // Only the wanted records are read: past the last one, the rest of the body is not cut.
  let last = wanted === 'all' ? Number.POSITIVE_INFINITY : -1;
  if (wanted !== 'all') for (const ordinal of wanted) last = Math.max(last, ordinal);
  const goodFile = path.join(input.workDir, 'records.ndjson');
  const good = await fs.open(goodFile, 'w');
  let pending: string[] = [];
  const flush = async () => {
    if (pending.length > 0) await good.write(pending.join(''));
    pending = [];
  };
  const splitter = new JsonArraySplitter(
    (ordinal, text, utf8) => {
      // Undeclared text in another charset: never read with U+FFFD in place of its letters (two
      // ids differing by one accent would become one).
      if (!utf8) {
        rejections.push({
          record: null,
          text,
          reasons: [
            {
              code: 'not_utf8',
              message:
                'the record is not UTF-8 text (the answer declared no other charset); its bytes are kept in the landed answer',
            },
          ],
        });
        return;
      }
      // NaN/Infinity tokens are read (then refused by validation with their reason); a record that
      // is not JSON at all is quarantined alone. Either way its text is kept as it was sent.
      const parsed = parseJsonLenient(text);
      if (!parsed.ok) {
        rejections.push({
          record: null,
          text,
          reasons: [{ code: 'not_json', message: `the record is not JSON: ${parsed.message.slice(0, 200)}` }],
        });
        return;
      }
      const record = parsed.value;
      const repeated = duplicateKeys(text);
      if (repeated.length > 0) {
        rejections.push({
          record,
          text,
          reasons: [
            {
              code: 'duplicate_key',
              message: `the record names ${repeated.map((k) => JSON.stringify(k)).join(', ')} more than once: its value is ambiguous`,
            },
          ],
        });
        return;
      }
      const result = validateRecord(record, input.limits);
      if (!result.ok) {
        rejections.push({ record, text, reasons: result.reasons });
        return;
      }
      const tooOld = checkHorizon(result.reading, input.importHour, input.horizonHours);
      if (tooOld !== null) {
        rejections.push({ record, text, reasons: [tooOld] });
        return;
      }
      const r = result.reading;
      pending.push(
        `${JSON.stringify({ ordinal, reading_id: r.id, ms: Date.parse(r.timestamp), lat: r.lat, lon: r.lon, temperature: r.temperature, country: r.country })}\n`,
      );
    },
    wanted === 'all' ? undefined : (ordinal) => wanted.has(ordinal),
  );
  try {
    let stoppedEarly = false;
    for await (const chunk of createReadStream(input.bodyPath, { highWaterMark: 1 << 20 })) {
      splitter.push(chunk as Buffer);
      await flush();
      if (splitter.count > last) {
        stoppedEarly = true;
        break;
      }
    }
    if (!stoppedEarly) splitter.end();
  } catch (error) {
    // Say what the body is instead (NDJSON, text after the array, several arrays, cut short).
    if (error instanceof NotAJsonArray)
      await failOnShape(input.bodyPath, input.source, undefined, error.message);
    throw error;
  } finally {
    await flush();
    await good.close();
  }
  await conn.run(
    `INSERT INTO careful SELECT ordinal, reading_id, CAST(epoch_ms(ms) AS TIMESTAMPTZ), lat, lon, temperature, country
       FROM read_json(${sqlString(goodFile)}, format = 'newline_delimited',
         columns = {ordinal: 'BIGINT', reading_id: 'VARCHAR', ms: 'BIGINT', lat: 'DOUBLE', lon: 'DOUBLE', temperature: 'DOUBLE', country: 'VARCHAR'})`,
  );
  return splitter.count;
}

/**
 * Marks each valid record: duplicate (equal to the newest version before it), correction (its id
 * had a version before), and the hour it belongs to. Known versions come first in each id's
 * sequence, then the batch's records in body order.
 */
async function planVersions(
  conn: DuckDBConnection,
  input: LandBodyInput,
  /** Whether DuckDB read the body (`checked` exists); otherwise every record went the careful way. */
  fastPathRead: boolean,
): Promise<{
  valid: number;
  duplicates: number;
  corrections: number;
  correctedHours: Date[];
  versionChanges: VersionChange[] | undefined;
  oneVersionEach: boolean;
}> {
  const order = 'received_at DESC, batch_key DESC, ordinal DESC';
  // The batch's ids, taken from every record, valid or not: a superset of the valid ids, read
  // straight from `checked` instead of through the `valid` view's checks (1,000,000 records: 0.18 s
  // instead of 0.28 s). An id listed with no other valid version is alone in its window below,
  // which decides it exactly as the plain path would.
  const ids = fastPathRead
    ? `SELECT reading_id FROM checked WHERE reading_id IS NOT NULL UNION ALL SELECT reading_id FROM careful`
    : `SELECT reading_id FROM careful`;
  // Earlier versions are looked up by the ids' 64-bit hashes: a known id that only shares a hash
  // with one of the batch's is, like any id with no version in the batch, alone in its window and
  // lands nothing. A 10,000,000-reading batch against 3,000,000 known ids: 1.6–1.7 s instead of
  // 2.2 s (a hash table of integers, not of the ids' text).
  const fromFiles =
    input.knownFiles.length === 0
      ? []
      : [
          `SELECT reading_id, belongs_to_hour, bucket, measured_at, lat, lon, temperature, country, received_at, batch_key, ordinal
             FROM read_parquet(${sqlPaths(input.knownFiles)}, union_by_name = true, hive_partitioning = false)
            WHERE source = ${sqlString(input.source)} AND hash(reading_id) IN (SELECT hash(reading_id) FROM (${ids}))
              -- A file of corrections may also hold hours older than the window.
              AND belongs_to_hour >= ${sqlInstant(lookupWindowStart(input.importHour, input.horizonHours))}`,
        ];
  const fromIndex =
    input.indexedVersions === undefined
      ? []
      : [`SELECT ${KNOWN_NAMES} FROM ${await input.indexedVersions(conn, ids)}`];
  const versions = [...fromFiles, ...fromIndex];
  const known =
    versions.length === 0
      ? `SELECT NULL::VARCHAR AS reading_id, NULL::BIGINT AS ordinal, NULL::TIMESTAMPTZ AS belongs_to_hour, NULL::INTEGER AS bucket, NULL::TIMESTAMPTZ AS measured_at, NULL::DOUBLE AS lat, NULL::DOUBLE AS lon, NULL::DOUBLE AS temperature, NULL::VARCHAR AS country, NULL::TIMESTAMPTZ AS received_at WHERE false`
      : `SELECT reading_id, -1 AS ordinal, belongs_to_hour, bucket, measured_at, lat, lon, temperature, country, received_at
           FROM (${versions.join(' UNION ALL ')})
          QUALIFY row_number() OVER (PARTITION BY reading_id ORDER BY ${order}) = 1`;
  const same = ['measured_at', 'lat', 'lon', 'temperature', 'country']
    .map((c) => `lag(${c}) OVER w IS NOT DISTINCT FROM ${c}`)
    .join(' AND ');
  await conn.run(`CREATE TEMP TABLE known AS ${known}`);
  // Only ids with an earlier version (known, or repeated in the batch) need the window; the others,
  // nearly all, are new readings of this hour, which belong to it and are landed as they are.
  await conn.run(
    // Grouped by the ids' 64-bit hashes first (a fraction of the strings' memory; a 10,000,000-id
    // batch: 1.0 s instead of 1.6 s), then exactly, among the few ids whose hash repeats. The ids
    // are read twice rather than materialized (10,000,000 ids: 1.4 s instead of 3.0 s).
    `CREATE TEMP TABLE repeated AS
       WITH ids AS NOT MATERIALIZED (${ids})
       SELECT reading_id FROM ids
        WHERE hash(reading_id) IN (SELECT h FROM (SELECT hash(reading_id) AS h FROM ids) GROUP BY h HAVING count(*) > 1)
        GROUP BY reading_id HAVING count(*) > 1
       UNION SELECT reading_id FROM known`,
  );
  await conn.run(
    `CREATE TEMP TABLE planned AS
       SELECT reading_id, ordinal, measured_at, lat, lon, temperature, country,
              ordinal >= 0 AND row_number() OVER w > 1 AND ${same} AS duplicate,
              row_number() OVER w > 1 AS correction,
              coalesce(first_value(belongs_to_hour) OVER w, ${sqlInstant(input.importHour)}) AS belongs_to_hour,
              first_value(bucket) OVER w AS known_bucket
         FROM (SELECT reading_id, ordinal, belongs_to_hour, bucket, measured_at, lat, lon, temperature, country FROM known
               UNION ALL SELECT reading_id, ordinal, NULL, NULL, measured_at, lat, lon, temperature, country
                 FROM valid WHERE reading_id IN (SELECT reading_id FROM repeated))
       WINDOW w AS (PARTITION BY reading_id ORDER BY ordinal)`,
  );
  const [counts] = await queryRows<{
    all: number;
    versions: number;
    later: number;
    valid: number;
    duplicates: number;
    corrections: number;
  }>(
    conn,
    `SELECT (SELECT CAST(count(*) AS DOUBLE) FROM valid) AS all,
            CAST(count(*) FILTER (WHERE ordinal >= 0) AS DOUBLE) AS versions,
            CAST(count(*) FILTER (WHERE ordinal >= 0 AND correction) AS DOUBLE) AS later,
            CAST(count(*) FILTER (WHERE ordinal >= 0 AND NOT duplicate) AS DOUBLE) AS valid,
            CAST(count(*) FILTER (WHERE ordinal >= 0 AND duplicate) AS DOUBLE) AS duplicates,
            CAST(count(*) FILTER (WHERE ordinal >= 0 AND NOT duplicate AND correction) AS DOUBLE) AS corrections
       FROM planned`,
  );
  const fresh = (counts?.all ?? 0) - (counts?.versions ?? 0);
  const hours = await queryRows<{ ms: number; n: number }>(
    conn,
    `SELECT CAST(epoch_ms(belongs_to_hour) AS DOUBLE) AS ms, CAST(count(*) AS DOUBLE) AS n
       FROM planned WHERE ordinal >= 0 AND NOT duplicate GROUP BY belongs_to_hour`,
  );
  // Rows landed per hour they belong to: the readings with no earlier version belong to this hour.
  const rowsByHour = new Map(hours.map(({ ms, n }) => [ms, n]));
  if (fresh > 0) {
    const ms = input.importHour.getTime();
    rowsByHour.set(ms, (rowsByHour.get(ms) ?? 0) + fresh);
  }
  const belongs = [...rowsByHour.keys()].sort((a, b) => a - b).map((ms) => new Date(ms));
  const bucketCounts = await input.bucketCounts(
    belongs.map((hour) => ({ hour, readings: rowsByHour.get(hour.getTime()) ?? 0 })),
  );
  const values = belongs
    .map((hour) => `(${sqlInstant(hour)}, ${bucketCounts.get(hour.getTime()) ?? 1})`)
    .join(', ');
  // A view: the rows are written once, straight to the files, never kept as another table.
  await conn.run(
    `CREATE TEMP VIEW landed AS
       SELECT ${sqlString(input.source)} AS source, v.reading_id, ${sqlString(input.batchKey)} AS batch_key, v.ordinal,
              ${sqlInstant(input.importHour)} AS import_hour, v.belongs_to_hour, ${sqlInstant(input.fetchedAt)} AS received_at,
              v.measured_at, v.lat, v.lon, v.temperature, v.country, n.bucket_count,
              -- A version of a known reading goes where its first version went: all versions share a bucket.
              coalesce(v.known_bucket, ${bucketSql('n.bucket_count')}) AS bucket
         FROM (SELECT reading_id, ordinal, measured_at, lat, lon, temperature, country, belongs_to_hour, known_bucket
                 FROM planned WHERE ordinal >= 0 AND NOT duplicate
               UNION ALL
               SELECT reading_id, ordinal, measured_at, lat, lon, temperature, country, ${sqlInstant(input.importHour)}, NULL::INTEGER
                 FROM valid WHERE reading_id NOT IN (SELECT reading_id FROM repeated)) v
         JOIN (${values === '' ? 'SELECT NULL::TIMESTAMPTZ AS belongs_to_hour, 1 AS bucket_count WHERE false' : `VALUES ${values}`}) n(belongs_to_hour, bucket_count)
           ON n.belongs_to_hour = v.belongs_to_hour`,
  );
  return {
    valid: fresh + (counts?.valid ?? 0),
    duplicates: counts?.duplicates ?? 0,
    corrections: counts?.corrections ?? 0,
    correctedHours: belongs.filter((hour) => hour.getTime() !== input.importHour.getTime()),
    versionChanges:
      input.versionChanges === true ? await versionChanges(conn, input, bucketCounts) : undefined,
    // No row of the batch came after another version of its id (in the batch, or known before).
    // Not "no row went through the window": ids shared with a refused record go through it alone.
    oneVersionEach: (counts?.later ?? 0) === 0,
  };
}

/**
 * The batch's corrections of earlier hours as what changes in their buckets: per id, the version
 * that counted before (its newest known one) and the one that counts after (its last landed one),
 * for `CORRECTION_STRATEGY=latest` (core/bucketDelta.ts). Undefined when a known version was received
 * after this batch (an earlier answer landed late): the newest would not be this batch's.
 */
export async function versionChanges(
  conn: DuckDBConnection,
  input: LandBodyInput,
  bucketCounts: Map<number, number>,
): Promise<VersionChange[] | undefined> {
  const later = `planned.ordinal >= 0 AND NOT planned.duplicate AND planned.belongs_to_hour <> ${sqlInstant(input.importHour)}`;
  const [newest] = await queryRows<{ ms: number | null }>(
    conn,
    `SELECT CAST(epoch_ms(max(received_at)) AS DOUBLE) AS ms FROM known
      WHERE reading_id IN (SELECT reading_id FROM planned WHERE ${later})`,
  );
  if (newest?.ms != null && newest.ms >= input.fetchedAt.getTime()) return undefined;
  const rows = await queryRows<{
    ms: number;
    bucket: number;
    before_lat: number;
    before_lon: number;
    before_t: number;
    before_c: string | null;
    lat: number;
    lon: number;
    t: number;
    c: string | null;
  }>(
    conn,
    `SELECT CAST(epoch_ms(k.belongs_to_hour) AS DOUBLE) AS ms, k.bucket,
            k.lat AS before_lat, k.lon AS before_lon, k.temperature AS before_t, k.country AS before_c,
            p.lat, p.lon, p.temperature AS t, p.country AS c
       FROM (SELECT reading_id, lat, lon, temperature, country FROM planned WHERE ${later}
             QUALIFY row_number() OVER (PARTITION BY reading_id ORDER BY ordinal DESC) = 1) p
       JOIN known k USING (reading_id)
      ORDER BY ms, k.bucket, reading_id`,
  );
  const byBucket = new Map<string, VersionChange>();
  for (const r of rows) {
    const key = `${r.ms}/${r.bucket}`;
    let change = byBucket.get(key);
    if (change === undefined) {
      change = {
        hour: new Date(r.ms),
        bucket: r.bucket,
        bucketCount: bucketCounts.get(r.ms) ?? 1,
        before: [],
        after: [],
      };
      byBucket.set(key, change);
    }
    change.before.push({
      lat: r.before_lat,
      lon: r.before_lon,
      temperature: r.before_t,
      country: r.before_c,
    });
    change.after.push({ lat: r.lat, lon: r.lon, temperature: r.t, country: r.c });
  }
  return [...byBucket.values()];
}

/**
 * Writes the landed rows as zstd Parquet in one pass (a partitioned COPY): one file per bucket of
 * the import hour, and one per bucket for the batch's corrections of all earlier hours (CORRECTIONS:
 * a 1 % correction rate over a 168-hour horizon touches nearly every bucket of every earlier hour,
 * about 8 readings each, and a file per (hour, bucket) made each landing put and back up some 1,300
 * small objects; a file per corrected hour, still 160). Layout:
 * `<workDir>/files/part_hour=<ms, or -1 for corrections>/part_bucket=<b>/part_buckets=<n>/*.parquet`. zstd level 1
 * writes about a third faster than the default level for files a few percent larger (measured on
 * a 1,000,000-reading hour: 0.63 s and 42 MB against 0.88 s and 40 MB).
 */
async function writeFiles(
  conn: DuckDBConnection,
  input: LandBodyInput,
  oneVersionEach: boolean,
): Promise<LandedFile[]> {
  const root = path.join(input.workDir, 'files');
  // The files are listed from this folder afterwards: another batch's files must not be in it.
  if (
    await fs.stat(root).then(
      () => true,
      () => false,
    )
  )
    throw new Error(`${root} exists: each batch needs a work folder of its own`);
  const metadata = oneVersionEach
    ? `, KV_METADATA {${sqlString(ONE_VERSION_EACH.key)}: ${sqlString(ONE_VERSION_EACH.value)}}`
    : '';
  // Each thread writes out the rows it has gathered (across the partitions) once it holds a row
  // group's worth, instead of DuckDB's default 524,288: less to hold, and spill, under the memory
  // limit (10,000,000 readings: write 10.0 s instead of 13.8 s at 160 MB). A connection setting.
  await conn.run(`SET partitioned_write_flush_threshold = ${ROW_GROUP_ROWS}`);
  await conn.run(
    `COPY (SELECT ${LANDED_COLUMNS},
                  CASE WHEN belongs_to_hour = ${sqlInstant(input.importHour)} THEN CAST(epoch_ms(belongs_to_hour) AS BIGINT) ELSE ${CORRECTIONS_PART} END AS part_hour,
                  bucket AS part_bucket, bucket_count AS part_buckets
             FROM landed)
       TO ${sqlString(root)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}, PARTITION_BY (part_hour, part_bucket, part_buckets)${metadata})`,
  );
  const written = await fs
    .readdir(root, { recursive: true })
    .then((names) => names.filter((name) => name.endsWith('.parquet')).map((name) => path.join(root, name)))
    .catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
  if (written.length === 0) return [];
  const part = (file: string, name: string) =>
    Number(new RegExp(`${name}=(-?\\d+)`).exec(path.relative(root, file))?.[1]);
  const fileRows = await queryRows<{ file_name: string; num_rows: number }>(
    conn,
    `SELECT file_name, CAST(num_rows AS DOUBLE) AS num_rows FROM parquet_file_metadata(${sqlPaths(written)})`,
  );
  const rowsOf = new Map(fileRows.map((row) => [path.resolve(row.file_name), row.num_rows]));
  const corrections = written.filter((file) => part(file, 'part_hour') === CORRECTIONS_PART);
  // A file of corrections: its rows per hour it holds (a few thousand in all: read whole).
  const hoursOf = new Map<string, { ms: number; n: number }[]>();
  if (corrections.length > 0)
    for (const row of await queryRows<{ file: string; ms: number; n: number }>(
      conn,
      `SELECT filename AS file, CAST(epoch_ms(belongs_to_hour) AS DOUBLE) AS ms, CAST(count(*) AS DOUBLE) AS n
         FROM read_parquet(${sqlPaths(corrections)}, filename = true, hive_partitioning = false) GROUP BY ALL`,
    )) {
      const file = path.resolve(row.file);
      hoursOf.set(file, [...(hoursOf.get(file) ?? []), row]);
    }
  return written
    .flatMap((file): LandedFile[] => {
      const common = {
        path: file,
        bucket: part(file, 'part_bucket'),
        bucketCount: part(file, 'part_buckets'),
      };
      const hour = part(file, 'part_hour');
      if (hour !== CORRECTIONS_PART)
        return [
          { ...common, belongsToHour: new Date(hour), rows: rowsOf.get(path.resolve(file)) ?? Number.NaN },
        ];
      return (hoursOf.get(path.resolve(file)) ?? []).map((row) => ({
        ...common,
        belongsToHour: new Date(row.ms),
        rows: row.n,
        corrections: true,
      }));
    })
    .sort((a, b) => a.belongsToHour.getTime() - b.belongsToHour.getTime() || a.bucket - b.bucket);
}
