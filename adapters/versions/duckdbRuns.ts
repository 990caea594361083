/**
 * The version index's meeting point with DuckDB: the id hash (`ID_HASH_SQL`, the first 64 bits of
 * the id's MD5, a standard function, so a run rebuilt by another DuckDB version hashes alike), a run
 * written from landed rows, the batch's hashes for a lookup, and the versions found, as the `known`
 * table the landing compares with (adapters/analytics/landing.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import { RunEncoder } from '../../core/versionRun';
import type { FoundVersion } from '../../core/versionChoice';
import { queryRows, sqlPaths, sqlString } from '../analytics/duckdb';
import type { SortedHashes } from './localIndex';

/** A reading id's 64-bit hash in SQL, split into its two 32-bit halves. */
export function idHashSql(column: string): { hi: string; lo: string } {
  return {
    hi: `CAST(md5_number_upper(${column}) >> 32 AS UINTEGER)`,
    lo: `CAST(md5_number_upper(${column}) & 4294967295 AS UINTEGER)`,
  };
}

/** A batch's landed rows, as a run is made of them, from its Parquet files. */
export function versionRowsSql(files: readonly string[]): string {
  return `SELECT reading_id, belongs_to_hour, bucket, ordinal, measured_at, lat, lon, temperature, country
            FROM read_parquet(${sqlPaths(files)}, union_by_name = true, hive_partitioning = false)`;
}

/**
 * Writes the run of `rowsSql`'s rows (columns reading_id, belongs_to_hour, bucket, ordinal,
 * measured_at, lat, lon, temperature, country: a batch's landed rows) to `file`.
 * Returns its entries and size.
 */
export async function writeRun(
  conn: DuckDBConnection,
  rowsSql: string,
  file: string,
): Promise<{ entries: number; bytes: number }> {
  const [totals] = await queryRows<{ n: number; id_bytes: number }>(
    conn,
    `SELECT CAST(count(*) AS DOUBLE) AS n, CAST(coalesce(sum(octet_length(encode(reading_id))), 0) AS DOUBLE) AS id_bytes FROM (${rowsSql})`,
  );
  const countries = await queryRows<{ c: string }>(
    conn,
    `SELECT DISTINCT country AS c FROM (${rowsSql}) WHERE country IS NOT NULL`,
  );
  const n = totals?.n ?? 0;
  const encoder = new RunEncoder(
    n,
    countries.map((row) => row.c),
    totals?.id_bytes ?? 0,
  );
  const { hi, lo } = idHashSql('reading_id');
  const result = await conn.run(
    `SELECT ${hi} AS hi, ${lo} AS lo, reading_id, CAST(epoch_ms(belongs_to_hour) AS DOUBLE) AS belongs,
            bucket, CAST(ordinal AS UINTEGER) AS ordinal, CAST(epoch_ms(measured_at) AS DOUBLE) AS measured,
            lat, lon, temperature, country
       FROM (${rowsSql}) ORDER BY hi, lo, ordinal`,
  );
  let i = 0;
  for (
    let chunk = await result.fetchChunk();
    chunk !== null && chunk.rowCount > 0;
    chunk = await result.fetchChunk()
  ) {
    const col = columnsOf(chunk, 11);
    for (let r = 0; r < chunk.rowCount; r += 1) {
      encoder.put(i, {
        hi: col[0]!.getItem(r) as number,
        lo: col[1]!.getItem(r) as number,
        readingId: col[2]!.getItem(r) as string,
        belongsToHour: col[3]!.getItem(r) as number,
        bucket: col[4]!.getItem(r) as number,
        ordinal: col[5]!.getItem(r) as number,
        measuredAt: col[6]!.getItem(r) as number,
        lat: col[7]!.getItem(r) as number,
        lon: col[8]!.getItem(r) as number,
        temperature: col[9]!.getItem(r) as number,
        country: col[10]!.getItem(r) as string | null,
      });
      i += 1;
    }
  }
  const bytes = encoder.finish();
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, bytes);
  return { entries: n, bytes: bytes.length };
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
  const result = await conn.run(`SELECT hi, lo FROM batch_hashes ORDER BY hi, lo`);
  let i = 0;
  for (
    let chunk = await result.fetchChunk();
    chunk !== null && chunk.rowCount > 0;
    chunk = await result.fetchChunk()
  ) {
    const [h, l] = columnsOf(chunk, 2);
    for (let r = 0; r < chunk.rowCount; r += 1) {
      keys.hi[i] = h!.getItem(r) as number;
      keys.lo[i] = l!.getItem(r) as number;
      i += 1;
    }
  }
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

function columnsOf(chunk: DuckDBDataChunk, count: number) {
  return Array.from({ length: count }, (_, c) => chunk.getColumnVector(c));
}
