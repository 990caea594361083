/**
 * The version runs' rows (`version_runs`, migrations/007_version_runs.ts): which runs a lookup reads
 * and, for batches landed before the index, which Parquet files stand in for their runs.
 */
import type { Knex } from 'knex';
import type { LiveRun } from '../versions/cache';

/** A batch's version run, as stored and recorded with the batch. */
export interface StoredRun {
  key: string;
  entries: number;
  bytes: number;
  sha256: string;
}

export function versionRunRow(batchId: number, run: StoredRun) {
  return {
    batch_id: batchId,
    object_key: run.key,
    entries: run.entries,
    bytes: run.bytes,
    sha256: run.sha256,
  };
}

export interface VersionSources {
  /** Runs of the source's live batches imported at `since` or later, oldest batch first. */
  runs: LiveRun[];
  /** Parquet files (belonging to `since` or later) of live batches that have no run yet. */
  filesWithoutRun: string[];
}

/**
 * Where the earlier versions of a source's ids are looked up (the correction horizon from `since`):
 * every batch no refetch superseded, less those a refetch is retiring now (`retiring`: the hour and
 * key prefix of its earlier batches). A batch imported before `since` holds no version belonging to
 * `since` or later (a version belongs to its import hour or an earlier one).
 */
export async function versionSources(
  db: Knex,
  source: string,
  since: Date,
  retiring?: { importHour: Date; keyPrefix: string },
): Promise<VersionSources> {
  const batches = db('fetch_batches as b')
    .where('b.source', source)
    .whereNull('b.superseded_at')
    .where('b.import_hour', '>=', since);
  if (retiring)
    void batches.whereNot(function retired(this: Knex.QueryBuilder) {
      void this.where('b.import_hour', retiring.importHour).whereLike(
        'b.batch_key',
        `${retiring.keyPrefix}%`,
      );
    });
  const rows = (await batches
    .clone()
    .join('version_runs as v', 'v.batch_id', 'b.batch_id')
    .orderBy('b.batch_id')
    .select('v.object_key', 'b.fetched_at', 'b.batch_key')) as {
    object_key: string;
    fetched_at: Date;
    batch_key: string;
  }[];
  const files = (await batches
    .clone()
    .join('landed_files as f', 'f.batch_id', 'b.batch_id')
    .whereNotExists(runOfBatch(db))
    .where('f.belongs_to_hour', '>=', since)
    .orderBy('f.file_id')
    .pluck('f.object_key')) as string[];
  return {
    runs: rows.map((r) => ({ key: r.object_key, receivedAt: r.fetched_at.getTime(), batchKey: r.batch_key })),
    // A file of corrections is recorded once per (hour, bucket) it holds.
    filesWithoutRun: [...new Set(files)],
  };
}

/** "The batch has a version run", for `whereNotExists`. */
function runOfBatch(db: Knex): Knex.QueryBuilder {
  return db('version_runs as v').select(db.raw('1')).whereRaw('v.batch_id = b.batch_id');
}

/** Batches with landed rows but no version run (landed before the index): what `versions rebuild` fills. */
export async function batchesWithoutRun(
  db: Knex,
): Promise<{ batchId: number; source: string; importHour: Date; batchKey: string }[]> {
  const rows = (await db('fetch_batches as b')
    .whereExists(db('landed_files as f').select(db.raw('1')).whereRaw('f.batch_id = b.batch_id'))
    .whereNotExists(runOfBatch(db))
    .orderBy('b.batch_id')
    .select('b.batch_id', 'b.source', 'b.import_hour', 'b.batch_key')) as {
    batch_id: number | string;
    source: string;
    import_hour: Date;
    batch_key: string;
  }[];
  return rows.map((r) => ({
    batchId: Number(r.batch_id),
    source: r.source,
    importHour: r.import_hour,
    batchKey: r.batch_key,
  }));
}
