/**
 * What the database and the backup folder say about the pipeline's health, read on demand: the
 * metrics scrape and `tempctl status` both read it here, so a restarted worker (or a second one)
 * reports the same facts as the one that ran the import.
 */
import type { Knex } from 'knex';
import type { BackupStore } from '../backup/store';
import { storeId } from '../db/storeIdentity';
import { rawRows } from '../db/rawRows';
import type { HourState, PipelineState } from '../../core/health';
import { addHours } from '../../core/importHour';
import { isFailureOrigin, type FailureOrigin } from '../../core/failureOrigin';

export type { PipelineState } from '../../core/health';

/** How far back the quarantine's recent share looks (import hours). */
export const RECENT_WINDOW_HOURS = 24;

const iso = (value: Date | string) => new Date(value).toISOString().replace('.000Z', 'Z');

export async function readPipelineState(
  db: Knex,
  backupStore: BackupStore,
  now: Date,
  options: { hours?: number } = {},
): Promise<PipelineState> {
  const success = (await db('import_runs')
    .where('status', 'succeeded')
    .max({ hour: 'import_hour', finishedAt: 'finished_at' })
    .first()) as { hour: Date | null; finishedAt: Date | null } | undefined;

  // A source delivered in a run when its fetch summary is there without a "not fetched" reason.
  const bySource = await rawRows<{ source: string; hour: Date; finished_at: Date }>(
    db,
    `SELECT s->>'source' AS source, max(r.import_hour) AS hour, max(r.finished_at) AS finished_at
       FROM import_runs r,
            jsonb_array_elements(CASE WHEN jsonb_typeof(r.report->'sources') = 'array'
                                      THEN r.report->'sources' ELSE '[]'::jsonb END) s
      WHERE r.status IN ('succeeded', 'incomplete') AND s->>'notFetched' IS NULL
      GROUP BY 1 ORDER BY 1`,
  );

  const latest = await rawRows<{
    import_hour: Date;
    status: HourState['status'];
    finished_at: Date;
    error: string | null;
    failure: FailureOrigin | null;
    failed: { source: string }[] | null;
    totals: { counted?: number; outside?: number } | null;
  }>(
    db,
    `SELECT DISTINCT ON (import_hour) import_hour, status, finished_at, error,
            report->'failedSources' AS failed, report->'failure' AS failure, report->'totals' AS totals
       FROM import_runs WHERE status <> 'running'
      ORDER BY import_hour DESC, finished_at DESC LIMIT ?`,
    [options.hours ?? 6],
  );

  const newestAggregated = (await db('region_hourly_temperature').max({ hour: 'hour' }).first()) as
    { hour: Date | null } | undefined;
  let latestRegionPoints: PipelineState['latestRegionPoints'] = null;
  if (newestAggregated?.hour) {
    const rows = (await db('region_hourly_temperature')
      .where('hour', newestAggregated.hour)
      .select('region', 'numberOfPoints')) as { region: string; numberOfPoints: number }[];
    latestRegionPoints = {
      hour: iso(newestAggregated.hour),
      points: Object.fromEntries(rows.map((row) => [row.region, row.numberOfPoints])),
    };
  }

  const since = addHours(now, -RECENT_WINDOW_HOURS);
  // This database's backups only: several databases may back up to one place.
  const backups = await backupStore.listHours(await storeId(db));
  const newestBackup = backups[backups.length - 1];

  return {
    lastSuccess:
      success?.hour && success.finishedAt
        ? { hour: iso(success.hour), finishedAt: iso(success.finishedAt) }
        : null,
    lastSuccessBySource: bySource.map((row) => ({
      source: row.source,
      hour: iso(row.hour),
      finishedAt: iso(row.finished_at),
    })),
    latestHours: latest.map((row) => ({
      hour: iso(row.import_hour),
      status: row.status,
      finishedAt: iso(row.finished_at),
      error: row.error,
      failure: isFailureOrigin(row.failure) ? row.failure : null,
      failedSources: (row.failed ?? []).map((f) => f.source),
      counted: row.totals?.counted ?? 0,
      outside: row.totals?.outside ?? 0,
    })),
    latestRegionPoints,
    recent: await recentRecords(db, since),
    latestBackupHour: newestBackup === undefined ? null : (await backupStore.readManifest(newestBackup)).hour,
  };
}

/**
 * The recent import hours' records: readings live in the landing store's files, so the valid ones
 * are what the current batches received (`record_count`) less what went to the quarantine.
 */
async function recentRecords(db: Knex, since: Date): Promise<{ readings: number; quarantined: number }> {
  // The batches' counts, not the quarantine's rows: it keeps only examples of a large refusal.
  const row = (await db('fetch_batches')
    .where('import_hour', '>=', since)
    .whereNull('superseded_at')
    .select(
      db.raw('sum(record_count) AS n'),
      db.raw("sum(coalesce((summary->>'rejected')::bigint, 0)) AS rejected"),
    )
    .first()) as { n: string | number | null; rejected: string | number | null } | undefined;
  const received = Number(row?.n ?? 0);
  const quarantined = Number(row?.rejected ?? 0);
  return { readings: Math.max(0, received - quarantined), quarantined };
}
