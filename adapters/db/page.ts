/**
 * What the web page and its JSON API read: only the stable, user-facing tables (the hourly rows, the
 * three-hours-before view, the run ledger, the quarantine), never the landing zone's readings. Rows
 * come back as the database holds them (column names, doubles, jsonb), so the API can return them
 * unchanged. Read only.
 */
import type { Knex } from 'knex';
import type { RunRow } from './runs';

/** One region's row for an hour (°C, readings counted), next to its temperature 3 hours earlier (°C, null when that hour has no row). */
export interface HourRow {
  hour: Date;
  region: string;
  temperature: number;
  numberOfPoints: number;
  temperature3HoursBefore: number | null;
}

/** An hour that has rows or runs: how many regions have a row, and its newest run's status (null: never run). */
export interface HourListing {
  hour: Date;
  regions: number;
  lastRunStatus: RunRow['status'] | null;
  lastRunError: string | null;
}

export interface QuarantineRow {
  quarantine_id: number;
  batch_id: number;
  import_hour: Date;
  source: string;
  raw: unknown;
  /** The record's text exactly as sent (null when the source had none, e.g. a CSV row). */
  raw_text: string | null;
  reasons: unknown;
  received_at: Date;
}

function hourRowsQuery(db: Knex): Knex.QueryBuilder {
  return db('region_hourly_temperature as t')
    .join('region_temperature_3h_before as v', function on() {
      this.on('v.region', 't.region').andOn('v.hour', 't.hour');
    })
    .select('t.hour', 't.region', 't.temperature', 't.numberOfPoints', 'v.temperature3HoursBefore');
}

/** The hour's rows, by region name. */
export async function hourRows(db: Knex, hour: Date): Promise<HourRow[]> {
  return (await hourRowsQuery(db).where('t.hour', hour).orderBy('t.region')) as HourRow[];
}

/** Every row from `from` to `to` (both included, UTC hours), by hour then region; absent hours are simply absent. */
export async function rowsBetween(db: Knex, from: Date, to: Date, region?: string): Promise<HourRow[]> {
  const query = hourRowsQuery(db).whereBetween('t.hour', [from, to]);
  if (region !== undefined) query.where('t.region', region);
  return (await query.orderBy([{ column: 't.hour' }, { column: 't.region' }])) as HourRow[];
}

/** The hours that have rows or runs, newest first, at most `limit`. */
export async function listHours(db: Knex, limit: number): Promise<HourListing[]> {
  const result: unknown = await db.raw(
    `WITH hours AS (
       SELECT hour FROM region_hourly_temperature
       UNION SELECT import_hour FROM import_runs
     ), newest AS (
       SELECT DISTINCT ON (import_hour) import_hour, status, error
       FROM import_runs ORDER BY import_hour, started_at DESC, run_id DESC
     )
     SELECT h.hour,
            (SELECT count(*) FROM region_hourly_temperature t WHERE t.hour = h.hour)::int AS regions,
            n.status AS "lastRunStatus",
            n.error AS "lastRunError"
     FROM hours h LEFT JOIN newest n ON n.import_hour = h.hour
     ORDER BY h.hour DESC
     LIMIT ?`,
    [limit],
  );
  return (result as { rows: HourListing[] }).rows;
}

/** The newest runs of the ledger (by start), at most `limit`. */
export async function recentRuns(db: Knex, limit: number): Promise<RunRow[]> {
  return (await db('import_runs')
    .orderBy([
      { column: 'started_at', order: 'desc' },
      { column: 'run_id', order: 'desc' },
    ])
    .limit(limit)) as RunRow[];
}

/** The newest quarantined records (by id), at most `limit`. */
export async function recentQuarantine(db: Knex, limit: number): Promise<QuarantineRow[]> {
  return (await db('quarantine')
    .select('quarantine_id', 'batch_id', 'import_hour', 'source', 'raw', 'raw_text', 'reasons', 'received_at')
    .orderBy('quarantine_id', 'desc')
    .limit(limit)) as QuarantineRow[];
}
