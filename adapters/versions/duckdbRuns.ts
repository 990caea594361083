/**
 * The version index's meeting point with DuckDB: the id hash (`idHashSql`), a run
 * written from landed rows, the batch's hashes for a lookup, and the versions found, as the `known`
 * table the landing compares with (adapters/analytics/landing.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import type { HashCheck } from '../../core/versionRun';
import { RunFileWriter } from './runFile';
import type { FoundVersion } from '../../core/versionChoice';
import { queryRows, sqlPaths, sqlString } from '../analytics/duckdb';
import type { SortedHashes } from './localIndex';

/**
 * A reading id's 64-bit hash in SQL, split into its two 32-bit halves: DuckDB's `hash()`, 28 times
 * faster than MD5 on a million ids. It is not promised to stay the same across DuckDB versions, so
 * each run records the engine's hash of a fixed text (`hashCheck`), and a run from an engine that
 * hashes otherwise is read through its Parquet files until rebuilt.
 */
export function idHashSql(column: string): { hi: string; lo: string } {
  return {
    hi: `CAST(hash(${column}) >> 32 AS UINTEGER)`,
    lo: `CAST(hash(${column}) & 4294967295 AS UINTEGER)`,
  };
}

/** A batch's landed rows, as a run is made of them, from its Parquet files. */
export function versionRowsSql(files: readonly string[]): string {
  return `SELECT reading_id, belongs_to_hour, bucket, ordinal, measured_at, lat, lon, temperature, country
            FROM read_parquet(${sqlPaths(files)}, union_by_name = true, hive_partitioning = false)`;
}

/**
 * Writes the run of `rowsSql`'s rows (columns reading_id, belongs_to_hour, bucket, ordinal,
 * measured_at, lat, lon, temperature, country: a batch's landed rows, whose ordinals are distinct)
 * to `file`, streamed (adapters/versions/runFile.ts). DuckDB sorts the rows by (hash, ordinal)
 * twice: without their ids, for the hashes and records, and the ids alone, which it writes to a
 * scratch file beside `file` (its CSV writer with no quoting: each id's bytes then a newline,
 * checked against the lengths), so no id becomes a JavaScript string. Returns the run's entries
 * and size.
 */
export async function writeRun(
  conn: DuckDBConnection,
  rowsSql: string,
  file: string,
): Promise<{ entries: number; bytes: number }> {
  const [totals] = await queryRows<{ n: number; id_bytes: number; max_ordinal: number }>(
    conn,
    `SELECT CAST(count(*) AS DOUBLE) AS n, CAST(coalesce(sum(octet_length(encode(reading_id))), 0) AS DOUBLE) AS id_bytes,
            CAST(coalesce(max(ordinal), -1) AS DOUBLE) AS max_ordinal
       FROM (${rowsSql})`,
  );
  const countries = await queryRows<{ c: string }>(
    conn,
    `SELECT DISTINCT country AS c FROM (${rowsSql}) WHERE country IS NOT NULL`,
  );
  await fs.mkdir(path.dirname(file), { recursive: true });
  const writer = new RunFileWriter(
    file,
    totals?.n ?? 0,
    countries.map((row) => row.c),
    totals?.id_bytes ?? 0,
    await hashCheck(conn),
  );
  const idsFile = `${file}.ids`;
  try {
    const seen = new Uint8Array((totals?.max_ordinal ?? -1) + 1);
    const { hi, lo } = idHashSql('reading_id');
    const runOrder = `ORDER BY ${hi}, ${lo}, ordinal`;
    // Countries as their numbers in the run's sorted list: no string per row for them.
    const countryList = `[${writer.countries.map(sqlString).join(', ')}]::VARCHAR[]`;
    await eachChunk(
      conn,
      `SELECT ${hi} AS hi, ${lo} AS lo, CAST(octet_length(encode(reading_id)) AS UINTEGER) AS id_bytes,
              CAST(epoch_ms(belongs_to_hour) AS DOUBLE) AS belongs, CAST(bucket AS INTEGER) AS bucket, CAST(ordinal AS UINTEGER) AS ordinal,
              CAST(epoch_ms(measured_at) AS DOUBLE) AS measured, CAST(lat AS DOUBLE) AS lat, CAST(lon AS DOUBLE) AS lon,
              CAST(temperature AS DOUBLE) AS temperature,
              CAST(coalesce(list_position(${countryList}, CAST(country AS VARCHAR)), 0) - 1 AS INTEGER) AS country
         FROM (${rowsSql}) ${runOrder}`,
      (chunk, rows) => {
        const ordinal = numbers(chunk, 5, rows);
        for (let r = 0; r < rows; r += 1) {
          if (seen[ordinal[r]!] === 1)
            throw new RangeError(`ordinal ${ordinal[r]} appears twice in one batch`);
          seen[ordinal[r]!] = 1;
        }
        writer.append(
          numbers(chunk, 0, rows),
          numbers(chunk, 1, rows),
          numbers(chunk, 2, rows),
          {
            belongsToHour: numbers(chunk, 3, rows),
            bucket: numbers(chunk, 4, rows),
            ordinal,
            measuredAt: numbers(chunk, 6, rows),
            lat: numbers(chunk, 7, rows),
            lon: numbers(chunk, 8, rows),
            temperature: numbers(chunk, 9, rows),
            countryNumber: numbers(chunk, 10, rows),
          },
          rows,
        );
      },
    );
    await conn.run(
      `COPY (SELECT reading_id FROM (${rowsSql}) ${runOrder})
         TO ${sqlString(idsFile)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER E'\\x01', NEW_LINE E'\\n')`,
    );
    writer.copyIds(idsFile, NEWLINE);
    return writer.finish();
  } catch (error) {
    writer.abandon();
    throw error;
  } finally {
    await fs.rm(idsFile, { force: true });
  }
}

/** The byte after each id in the CSV file of ids. */
const NEWLINE = 0x0a;

/** The engine's hash of a fixed text, written in every run (core/versionRun.ts HashCheck). */
export async function hashCheck(conn: DuckDBConnection): Promise<HashCheck> {
  const { hi, lo } = idHashSql(sqlString('temperature-pipeline version run'));
  const [row] = await queryRows<{ hi: number; lo: number }>(conn, `SELECT ${hi} AS hi, ${lo} AS lo`);
  return [row?.hi ?? 0, row?.lo ?? 0];
}

/** Calls `each` with every chunk of `sql`'s result and its row count (read once: a native call). */
async function eachChunk(
  conn: DuckDBConnection,
  sql: string,
  each: (chunk: DuckDBDataChunk, rows: number) => void,
): Promise<void> {
  const result = await conn.run(sql);
  for (let chunk = await result.fetchChunk(); chunk !== null; chunk = await result.fetchChunk()) {
    const rows = chunk.rowCount;
    if (rows === 0) break;
    each(chunk, rows);
  }
}

/** The distinct hashes of the ids `idsSql` lists (a column reading_id), ascending. */
export async function batchHashes(conn: DuckDBConnection, idsSql: string): Promise<SortedHashes> {
  const { hi, lo } = idHashSql('reading_id');
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE batch_hashes AS SELECT DISTINCT ${hi} AS hi, ${lo} AS lo FROM (${idsSql}) WHERE reading_id IS NOT NULL`,
  );
  const [count] = await queryRows<{ n: number }>(
    conn,
    `SELECT CAST(count(*) AS DOUBLE) AS n FROM batch_hashes`,
  );
  const n = count?.n ?? 0;
  const keys = { hi: new Uint32Array(n), lo: new Uint32Array(n) };
  let i = 0;
  await eachChunk(conn, `SELECT hi, lo FROM batch_hashes ORDER BY hi, lo`, (chunk, rows) => {
    copyInto(keys.hi, numbers(chunk, 0, rows), i, rows);
    copyInto(keys.lo, numbers(chunk, 1, rows), i, rows);
    i += rows;
  });
  await conn.run(`DROP TABLE batch_hashes`);
  return keys;
}

/** The columns of a landed row the landing compares and orders versions by (adapters/analytics/landing.ts). */
export const KNOWN_COLUMNS =
  'reading_id VARCHAR, belongs_to_hour TIMESTAMPTZ, bucket INTEGER, measured_at TIMESTAMPTZ, lat DOUBLE, lon DOUBLE, temperature DOUBLE, country VARCHAR, received_at TIMESTAMPTZ, batch_key VARCHAR, ordinal BIGINT';

/**
 * Creates the temporary table `table` (KNOWN_COLUMNS) of the versions found, through a JSON file in
 * `workDir` (some thousands of rows an hour).
 */
export async function createKnownTable(
  conn: DuckDBConnection,
  table: string,
  versions: readonly FoundVersion[],
  workDir: string,
): Promise<void> {
  await conn.run(`CREATE TEMP TABLE ${table} (${KNOWN_COLUMNS})`);
  if (versions.length === 0) return;
  const file = path.join(workDir, `${table}.ndjson`);
  await fs.writeFile(
    file,
    versions
      .map((f) => {
        const e = f.entry;
        return JSON.stringify({
          reading_id: e.readingId,
          belongs: e.belongsToHour,
          bucket: e.bucket,
          measured: e.measuredAt,
          lat: e.lat,
          lon: e.lon,
          temperature: e.temperature,
          country: e.country,
          received: f.receivedAt,
          batch_key: f.batchKey,
          ordinal: e.ordinal,
        });
      })
      .join('\n'),
  );
  await conn.run(
    `INSERT INTO ${table}
       SELECT reading_id, CAST(epoch_ms(belongs) AS TIMESTAMPTZ), bucket, CAST(epoch_ms(measured) AS TIMESTAMPTZ), lat, lon, temperature, country,
              CAST(epoch_ms(received) AS TIMESTAMPTZ), batch_key, ordinal
         FROM read_json(${sqlString(file)}, format = 'newline_delimited',
           columns = {reading_id: 'VARCHAR', belongs: 'BIGINT', bucket: 'INTEGER', measured: 'BIGINT', lat: 'DOUBLE', lon: 'DOUBLE', temperature: 'DOUBLE', country: 'VARCHAR',
                      received: 'BIGINT', batch_key: 'VARCHAR', ordinal: 'BIGINT'})`,
  );
  await fs.rm(file, { force: true });
}

/**
 * A numeric column of a chunk (no NULLs) as numbers; the queries cast to DOUBLE, INTEGER or UINTEGER. The vectors of fixed-width types hold their
 * values in a typed array (`items`; not in the package's types): read as is, a million rows cost
 * milliseconds instead of the hundreds one `getItem` call per value takes.
 */
function numbers(chunk: DuckDBDataChunk, column: number, rows: number): ArrayLike<number> {
  const vector = chunk.getColumnVector(column);
  const items = (vector as unknown as { items?: unknown }).items;
  if (
    (items instanceof Float64Array || items instanceof Uint32Array || items instanceof Int32Array) &&
    items.length >= rows
  )
    return items;
  return Array.from({ length: rows }, (_, r) => vector.getItem(r) as number);
}

/** Copies `rows` numbers of `from` into `into` at `at` (a block copy from a typed array). */
function copyInto(into: Uint32Array, from: ArrayLike<number>, at: number, rows: number): void {
  if (from instanceof Uint32Array) into.set(from.subarray(0, rows), at);
  else for (let r = 0; r < rows; r += 1) into[at + r] = from[r]!;
}
