/**
 * Reads one bucket of an hour from its Parquet files: one version per (source, reading id) by the
 * correction strategy (docs/versioning.md), as columns: lat, lon and temperature straight into
 * typed arrays, the country label reduced to its class (core/hourStats.ts). No object per reading.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { labelClass, LABEL_FRANCE, LABEL_NONE } from '../../core/hourStats';
import type { CorrectionStrategy } from '../../core/policies';
import { queryRows, sqlInstant, sqlPaths, sqlString } from './duckdb';
import { ONE_VERSION_EACH } from './landing';

export interface CountedColumns {
  lat: Float64Array;
  lon: Float64Array;
  temperatures: Float64Array;
  labels: Uint8Array;
}

/**
 * The counted version of every reading of one hour and bucket in `files`: the bucket's files, of
 * which a file of corrections (core/landingKeys.ts CORRECTIONS) also holds other hours.
 */
export async function readCounted(
  conn: DuckDBConnection,
  files: readonly string[],
  strategy: CorrectionStrategy,
  of: { hour: Date; bucket: number },
): Promise<CountedColumns> {
  if (files.length === 0) return empty();
  const order = strategy === 'latest' ? 'DESC' : 'ASC';
  const read = `(SELECT * FROM read_parquet(${sqlPaths(files)}, union_by_name = true, hive_partitioning = false)
                  WHERE belongs_to_hour = ${sqlInstant(of.hour)} AND bucket = ${of.bucket})`;
  // One file in which each reading has one version (nearly every bucket): no version to choose, so
  // the file is read as it is, never copied into a table (a 1,250,000-reading bucket would spill).
  let counted = read;
  if (!(await oneVersionEach(conn, files))) {
    await conn.run(
      `CREATE TEMP TABLE counted AS SELECT lat, lon, temperature, country FROM ${read}
        QUALIFY row_number() OVER (PARTITION BY source, reading_id
                                   ORDER BY received_at ${order}, batch_key ${order}, ordinal ${order}) = 1`,
    );
    counted = 'counted';
  }
  // Few distinct labels: each is classified once by core's rule, then mapped in SQL.
  const labels = await queryRows<{ country: string | null }>(conn, `SELECT DISTINCT country FROM ${counted}`);
  const byClass = (wanted: number) =>
    labels
      .filter(({ country }) => labelClass(country) === wanted && country !== null)
      .map(({ country }) => sqlString(country as string));
  const inList = (items: string[]) => (items.length === 0 ? 'false' : `country IN (${items.join(', ')})`);
  const labelSql = `CASE WHEN ${inList(byClass(LABEL_FRANCE))} THEN ${LABEL_FRANCE}
                         WHEN country IS NULL OR ${inList(byClass(LABEL_NONE))} THEN ${LABEL_NONE} ELSE 2 END`;
  const [count] = await queryRows<{ n: number }>(
    conn,
    `SELECT CAST(count(*) AS DOUBLE) AS n FROM ${counted}`,
  );
  const n = count?.n ?? 0;
  const columns: CountedColumns = {
    lat: new Float64Array(n),
    lon: new Float64Array(n),
    temperatures: new Float64Array(n),
    labels: new Uint8Array(n),
  };
  const result = await conn.stream(
    `SELECT lat, lon, temperature, CAST(${labelSql} AS UTINYINT) FROM ${counted}`,
  );
  let at = 0;
  for (let chunk = await result.fetchChunk(); chunk !== null; chunk = await result.fetchChunk()) {
    // Read once per chunk: each `rowCount` is a native call, and read per row it slowed the
    // bucket's read (docs/scaling.md §2.1).
    const rows = chunk.rowCount;
    if (rows === 0) break;
    if (at + rows > n) throw new Error(`read more than the ${n} counted readings`);
    const [lat, lon, temperature, label] = [0, 1, 2, 3].map((i) => chunk.getColumnVector(i));
    for (let i = 0; i < rows; i += 1, at += 1) {
      columns.lat[at] = lat!.getItem(i) as number;
      columns.lon[at] = lon!.getItem(i) as number;
      columns.temperatures[at] = temperature!.getItem(i) as number;
      columns.labels[at] = label!.getItem(i) as number;
    }
  }
  if (at !== n) throw new Error(`read ${at} counted readings, expected ${n}`);
  return columns;
}

/** True when `files` is one file the landing marked as holding one version of each reading. */
async function oneVersionEach(conn: DuckDBConnection, files: readonly string[]): Promise<boolean> {
  if (files.length !== 1) return false;
  const marks = await queryRows<{ n: number }>(
    conn,
    `SELECT CAST(count(*) AS DOUBLE) AS n FROM parquet_kv_metadata(${sqlPaths(files)})
      WHERE decode(key) = ${sqlString(ONE_VERSION_EACH.key)} AND decode(value) = ${sqlString(ONE_VERSION_EACH.value)}`,
  );
  return (marks[0]?.n ?? 0) === 1;
}

function empty(): CountedColumns {
  return {
    lat: new Float64Array(0),
    lon: new Float64Array(0),
    temperatures: new Float64Array(0),
    labels: new Uint8Array(0),
  };
}
