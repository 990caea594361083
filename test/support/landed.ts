/**
 * The landed readings (every version), read back from the landing store's Parquet files with
 * DuckDB, for tests that check what was landed: the files are listed from PostgreSQL, fetched from
 * the store and read; rows are ordered by batch then position in the batch.
 */
import type { Knex } from 'knex';
import type { ActivityDeps } from '../../activities';
import { queryRows, sqlPaths } from '../../adapters/analytics/duckdb';
import os from 'node:os';

export interface LandedReading {
  source: string;
  reading_id: string;
  import_hour: Date;
  belongs_to_hour: Date;
  temperature: number;
  measured_at: Date;
  batch_id: number;
}

export async function landedReadings(
  db: Knex,
  deps: Pick<ActivityDeps, 'landingStore' | 'analytics'>,
  filter: { importHour?: Date; belongsToHour?: Date; source?: string; liveOnly?: boolean } = {},
): Promise<LandedReading[]> {
  const query = db('landed_files as f').join('fetch_batches as b', 'b.batch_id', 'f.batch_id');
  if (filter.importHour) query.where('b.import_hour', filter.importHour);
  if (filter.belongsToHour) query.where('f.belongs_to_hour', filter.belongsToHour);
  if (filter.source) query.where('b.source', filter.source);
  if (filter.liveOnly) query.whereNull('b.superseded_at');
  const files = (await query.orderBy('f.file_id').select('f.object_key', 'b.batch_id')) as {
    object_key: string;
    batch_id: number;
  }[];
  if (files.length === 0) return [];
  const local = await Promise.all(files.map((f) => deps.landingStore.getFile(f.object_key, os.tmpdir())));
  const batchOf = new Map(local.map((p, i) => [p, Number(files[i]?.batch_id)]));
  const rows = await deps.analytics.withConnection((conn) =>
    queryRows<Omit<LandedReading, 'batch_id'> & { file: string; ordinal: number }>(
      conn,
      `SELECT source, reading_id, import_hour, belongs_to_hour, temperature, measured_at, CAST(ordinal AS DOUBLE) AS ordinal, filename AS file
         FROM read_parquet(${sqlPaths(local)}, filename = true, hive_partitioning = false)`,
    ),
  );
  return rows
    .map(({ file, ordinal, ...row }) => ({ ...row, batch_id: batchOf.get(file) ?? -1, ordinal }))
    .sort((a, b) => a.batch_id - b.batch_id || a.ordinal - b.ordinal)
    .map(({ ordinal: _ordinal, ...row }) => row);
}
