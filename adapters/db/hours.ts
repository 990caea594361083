/**
 * Reads and writes what belongs to one import hour: the readings that count in it, their region
 * assignments, and its rows of region_hourly_temperature.
 */
import type { Knex } from 'knex';
import type { RegionAggregate } from '../../core/aggregate';
import { affectedRows } from './connection';
import type { HourState } from '../../core/backfillPlan';
import { formatHour, hoursBetween } from '../../core/importHour';
import type { CorrectionStrategy } from '../../core/policies';

export type { CorrectionStrategy } from '../../core/policies';

const CHUNK = 1_000;

/**
 * The readings that count in an hour: one version per (source, reading id), the newest or the first
 * received by strategy, from batches not superseded by a refetch.
 */
export function effectiveReadings(db: Knex, hour: Date, strategy: CorrectionStrategy): Knex.QueryBuilder {
  const order = strategy === 'latest' ? 'DESC' : 'ASC';
  return db
    .select(db.raw('DISTINCT ON (r.source, r.reading_id) r.*'))
    .from('readings as r')
    .join('fetch_batches as b', 'b.batch_id', 'r.batch_id')
    .where('r.belongs_to_hour', hour)
    .whereNull('b.superseded_at')
    .orderByRaw(`r.source, r.reading_id, r.received_at ${order}, r.row_id ${order}`);
}

export interface ReadingPosition {
  row_id: number;
  lat: number;
  lon: number;
}

/** The hour's landed readings that can count (every version, none from a batch a refetch retired). */
export async function readingPositions(db: Knex, hour: Date): Promise<ReadingPosition[]> {
  return (await db('readings as r')
    .join('fetch_batches as b', 'b.batch_id', 'r.batch_id')
    .where('r.belongs_to_hour', hour)
    .whereNull('b.superseded_at')
    .orderBy('r.row_id')
    .select('r.row_id', 'r.lat', 'r.lon')) as ReadingPosition[];
}

/** Replaces the hour's region assignments: rerunning with the same polygons writes the same rows. */
export async function replaceAssignments(
  db: Knex,
  hour: Date,
  assignments: { rowId: number; region: string | null }[],
  regionsHash: string,
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('reading_regions').where('belongs_to_hour', hour).delete();
    for (let i = 0; i < assignments.length; i += CHUNK) {
      await trx('reading_regions').insert(
        assignments.slice(i, i + CHUNK).map(({ rowId, region }) => ({
          row_id: rowId,
          belongs_to_hour: hour,
          region,
          regions_hash: regionsHash,
        })),
      );
    }
  });
}

export interface PlacedReading {
  region: string | null;
  temperature: number;
  country: string | null;
}

/** The hour's counting readings with their regions (null: in no region). */
export async function placedReadings(
  db: Knex,
  hour: Date,
  strategy: CorrectionStrategy,
): Promise<PlacedReading[]> {
  const rows = (await db
    .select('e.temperature', 'e.country', 'rr.region', 'rr.row_id as assigned')
    .from(effectiveReadings(db, hour, strategy).as('e'))
    .leftJoin('reading_regions as rr', 'rr.row_id', 'e.row_id')) as (PlacedReading & {
    assigned: number | null;
  })[];
  const unassigned = rows.filter((row) => row.assigned === null).length;
  if (unassigned > 0)
    throw new Error(`${unassigned} readings of the hour have no region assignment: run geo-assign first`);
  return rows.map(({ region, temperature, country }) => ({ region, temperature, country }));
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
    .select('import_hour', 'status')) as { import_hour: Date; status: string }[];
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
