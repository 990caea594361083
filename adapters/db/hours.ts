/**
 * Reads and writes what belongs to one import hour: its landed files, its per-bucket partial
 * results, and its rows of region_hourly_temperature.
 */
import type { Knex } from 'knex';
import type { RegionAggregate } from '../../core/aggregate';
import { affectedRows } from './connection';
import type { HourState } from '../../core/backfillPlan';
import { formatHour, hoursBetween } from '../../core/importHour';
import type { RunStatus } from '../../core/policies';

export interface BucketFile {
  key: string;
  bucket: number;
  bucketCount: number;
  sha256: string;
  /** The import hour of the batch that landed it (its backup is that hour's). */
  importHour: Date;
}

/** The live Parquet files whose readings belong to the hour (every bucket), in key order. */
export async function hourFiles(db: Knex, hour: Date): Promise<BucketFile[]> {
  const rows = (await db('landed_files as f')
    .join('fetch_batches as b', 'b.batch_id', 'f.batch_id')
    .where('f.belongs_to_hour', hour)
    .whereNull('b.superseded_at')
    .orderBy('f.object_key')
    .select('f.object_key', 'f.bucket', 'f.bucket_count', 'f.sha256', 'b.import_hour')) as {
    object_key: string;
    bucket: number;
    bucket_count: number;
    sha256: string;
    import_hour: Date;
  }[];
  return rows.map((r) => ({
    key: r.object_key,
    bucket: r.bucket,
    bucketCount: r.bucket_count,
    sha256: r.sha256,
    importHour: r.import_hour,
  }));
}

export interface StoredPartial<T> {
  bucket: number;
  bucketCount: number;
  inputsHash: string;
  result: T;
  /** What it was computed from, for deltas (core/bucketDelta.ts): its files' identity, the rules. */
  files?: string;
  rules?: string;
}

export async function hourPartials<T>(db: Knex, hour: Date): Promise<StoredPartial<T>[]> {
  const rows = (await db('hour_partials').where('hour', hour).orderBy('bucket')) as {
    bucket: number;
    bucket_count: number;
    inputs_hash: string;
    result: T;
    files: string | null;
    rules: string | null;
  }[];
  return rows.map((r) => ({
    bucket: r.bucket,
    bucketCount: r.bucket_count,
    inputsHash: r.inputs_hash,
    result: r.result,
    // Written with this very result only (migrations/008_bucket_deltas.ts): otherwise unknown.
    ...(r.files?.startsWith(`${r.inputs_hash}:`) === true && r.rules !== null
      ? { files: r.files.slice(r.inputs_hash.length + 1), rules: r.rules }
      : {}),
  }));
}

/** Stores a bucket's partial result (replacing the one computed from older inputs). */
export async function savePartial<T>(
  db: Knex,
  hour: Date,
  partial: StoredPartial<T>,
  now: Date,
): Promise<void> {
  await savePartials(db, hour, [partial], now);
}

/** `savePartial` for several buckets of the hour, in one statement (an hour has at most HOUR_BUCKETS). */
export async function savePartials<T>(
  db: Knex,
  hour: Date,
  partials: readonly StoredPartial<T>[],
  now: Date,
): Promise<void> {
  if (partials.length === 0) return;
  await db('hour_partials')
    .insert(
      partials.map((partial) => ({
        hour,
        bucket: partial.bucket,
        bucket_count: partial.bucketCount,
        inputs_hash: partial.inputsHash,
        result: JSON.stringify(partial.result),
        computed_at: now,
        files: partial.files === undefined ? null : `${partial.inputsHash}:${partial.files}`,
        rules: partial.rules ?? null,
      })),
    )
    .onConflict(['hour', 'bucket'])
    .merge(['bucket_count', 'inputs_hash', 'result', 'computed_at', 'files', 'rules']);
}

/** Makes the hour's rows exactly `aggregates`, in one transaction: upserts them and deletes any other region's row. */
export async function replaceHourAggregates(
  db: Knex,
  hour: Date,
  aggregates: readonly RegionAggregate[],
): Promise<{ upserted: number; deleted: number }> {
  return db.transaction(async (trx) => {
    const deleted = affectedRows(
      await trx('region_hourly_temperature')
        .where('hour', hour)
        .whereNotIn(
          'region',
          aggregates.map((a) => a.region),
        )
        .delete(),
    );
    if (aggregates.length > 0) {
      await trx('region_hourly_temperature')
        .insert(aggregates.map((a) => ({ hour, ...a })))
        .onConflict(['hour', 'region'])
        .merge(['temperature', 'numberOfPoints']);
    }
    return { upserted: aggregates.length, deleted };
  });
}

export async function hourAggregates(db: Knex, hour: Date): Promise<RegionAggregate[]> {
  return (await db('region_hourly_temperature')
    .where('hour', hour)
    .orderBy('region')
    .select('region', 'temperature', 'numberOfPoints')) as RegionAggregate[];
}

/** For the `count` stored hours before `hour`, newest first, the regions that had points. */
export async function regionsOfPreviousHours(db: Knex, hour: Date, count: number): Promise<string[][]> {
  const rows = (await db('region_hourly_temperature')
    .where('hour', '<', hour)
    .groupBy('hour')
    .orderBy('hour', 'desc')
    .limit(count)
    .select('hour', db.raw('array_agg(region) AS regions'))) as { hour: Date; regions: string[] }[];
  return rows.map((row) => row.regions);
}

/** For each hour of a range: whether anything was landed, whether it has aggregates, its last run's status. */
export async function hourStates(db: Knex, from: Date, to: Date): Promise<HourState[]> {
  const landed = (await db('fetch_batches')
    .whereBetween('import_hour', [from, to])
    .distinct('import_hour')) as { import_hour: Date }[];
  const aggregated = (await db('region_hourly_temperature')
    .whereBetween('hour', [from, to])
    .distinct('hour')) as { hour: Date }[];
  const lastRuns = (await db('import_runs')
    .whereBetween('import_hour', [from, to])
    .distinctOn('import_hour')
    .orderBy([{ column: 'import_hour' }, { column: 'started_at', order: 'desc' }])
    .select('import_hour', 'status')) as { import_hour: Date; status: RunStatus }[];
  const landedSet = new Set(landed.map((r) => r.import_hour.getTime()));
  const aggregatedSet = new Set(aggregated.map((r) => r.hour.getTime()));
  const status = new Map(lastRuns.map((r) => [r.import_hour.getTime(), r.status]));
  return hoursBetween(from, to).map((hour) => ({
    hour: formatHour(hour),
    landed: landedSet.has(hour.getTime()),
    hasAggregates: aggregatedSet.has(hour.getTime()),
    lastRunStatus: status.get(hour.getTime()) ?? null,
  }));
}
