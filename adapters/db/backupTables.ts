/** The rows that make up one hour's backup, read in batches so that no hour is held whole. */
import type { Knex } from 'knex';
import type { BackupTable, LandedObject } from '../backup/store';
import type { RecordedObject } from '../backup/landedObjects';
import { hourSegment, isRawBodyKeyOf, oncePerObject } from '../../core/landingKeys';

/** Rows per query: small enough for flat memory, large enough that a million rows take 200 queries. */
const BATCH = 5_000;
/** Hours per query of the corrected hours' aggregates (about 13 rows each). */
const HOURS_PER_QUERY = 200;

/**
 * The backup file of the aggregates (`region_hourly_temperature` rows) of the hours the import hour
 * corrected, as they were when its backup was written; a restore takes each hour's rows from the
 * newest backup that holds them (adapters/db/restore.ts). Not a table of the database.
 */
export const CORRECTED_AGGREGATES = 'corrected_aggregates';
/** The aggregates' table: in an hour's backup, its own rows; a restore picks each hour's newest. */
export const AGGREGATES_TABLE = 'region_hourly_temperature';

/**
 * The rows of `table` matching `where`, in `key` order, fetched BATCH at a time by keyset
 * pagination (`key > last`), which works the same on PostgreSQL and PGlite, unlike a server cursor.
 * `key` must be unique within the rows matched.
 */
export async function* rowsInBatches(
  db: Knex,
  table: string,
  where: Record<string, unknown>,
  key: string,
  batch = BATCH,
): AsyncGenerator<object> {
  let last: unknown;
  for (;;) {
    const query = db(table).where(where).orderBy(key).limit(batch);
    if (last !== undefined) void query.andWhere(key, '>', last as Knex.Value);
    const rows = (await query) as Record<string, unknown>[];
    yield* rows;
    if (rows.length < batch) return;
    last = rows[rows.length - 1]?.[key];
  }
}

/**
 * The hour's small tables: its batches, the raw answers stored for it (`raw_bodies`), their
 * landed files and version runs (keys, rows, sha256; the files and runs
 * themselves are copied as landed objects, `landedObjectsForHour`), versions landed before the
 * columnar landing (`readings`, empty for newer hours), the quarantine, the run ledger and the
 * aggregates: with the objects, enough to rebuild the hour with no call to a source.
 * Listed in the order a restore inserts them (foreign keys first). With `corrected`, the
 * aggregates of those hours follow (CORRECTED_AGGREGATES): what the hour's corrections changed.
 */
export function backupTablesForHour(db: Knex, hour: Date, corrected: readonly Date[] = []): BackupTable[] {
  const byImportHour = (name: string, key: string): BackupTable => ({
    name,
    rows: rowsInBatches(db, name, { import_hour: hour }, key),
  });
  return [
    byImportHour('fetch_batches', 'batch_id'),
    { name: 'raw_bodies', rows: rawBodyRows(db, hour) },
    { name: 'landed_files', rows: landedFileRows(db, hour) },
    { name: 'version_runs', rows: versionRunRows(db, hour) },
    byImportHour('readings', 'row_id'),
    byImportHour('quarantine', 'quarantine_id'),
    byImportHour('import_runs', 'run_id'),
    {
      name: AGGREGATES_TABLE,
      rows: rowsInBatches(db, AGGREGATES_TABLE, { hour }, 'region'),
    },
    ...(corrected.length === 0 ? [] : [{ name: CORRECTED_AGGREGATES, rows: aggregatesOf(db, corrected) }]),
  ];
}

/** The `region_hourly_temperature` rows of `hours`, by hour and region. */
async function* aggregatesOf(db: Knex, hours: readonly Date[]): AsyncGenerator<object> {
  const sorted = [...hours].sort((a, b) => a.getTime() - b.getTime());
  for (let at = 0; at < sorted.length; at += HOURS_PER_QUERY) {
    yield* (await db(AGGREGATES_TABLE)
      .whereIn('hour', sorted.slice(at, at + HOURS_PER_QUERY))
      .orderBy(['hour', 'region'])
      .select()) as object[];
  }
}

async function* landedFileRows(db: Knex, hour: Date): AsyncGenerator<object> {
  const batches = (await db('fetch_batches')
    .where('import_hour', hour)
    .orderBy('batch_id')
    .pluck('batch_id')) as number[];
  for (const batchId of batches) yield* rowsInBatches(db, 'landed_files', { batch_id: batchId }, 'file_id');
}

async function* versionRunRows(db: Knex, hour: Date): AsyncGenerator<object> {
  yield* (await db('version_runs as v')
    .join('fetch_batches as b', 'b.batch_id', 'v.batch_id')
    .where('b.import_hour', hour)
    .orderBy('v.batch_id')
    .select('v.*')) as object[];
}

/**
 * The raw answers stored for the import hour (`raw_bodies`, keyed by source and batch key): those
 * its batches were landed from, and any stored but not landed yet (an attempt that failed after
 * the download), so that a restored database reuses them instead of calling the source again.
 * A few rows per hour: read whole, found by their object keys (core/landingKeys.ts).
 */
async function rawBodiesOfHour(db: Knex, hour: Date): Promise<Record<string, unknown>[]> {
  const rows = (await db('raw_bodies')
    .where('object_key', 'like', `raw/%/import_hour=${hourSegment(hour)}/%`)
    .orderBy(['source', 'batch_key'])
    .select()) as Record<string, unknown>[];
  return rows.filter((row) => isRawBodyKeyOf(String(row.object_key), hour));
}

async function* rawBodyRows(db: Knex, hour: Date): AsyncGenerator<object> {
  yield* await rawBodiesOfHour(db, hour);
}

/**
 * Every landed object recorded for the import hours in [from, to] (either end open), with its
 * import hour: what `tempctl backup verify` checks in the landing store and `backup repair` repairs.
 */
export async function recordedObjects(db: Knex, from?: Date, to?: Date): Promise<RecordedObject[]> {
  const query = db('fetch_batches').distinct('import_hour').orderBy('import_hour');
  if (from !== undefined) void query.where('import_hour', '>=', from);
  if (to !== undefined) void query.where('import_hour', '<=', to);
  const hours = ((await query) as { import_hour: Date }[]).map((row) => row.import_hour);
  const objects: RecordedObject[] = [];
  for (const hour of hours)
    for (const object of await landedObjectsForHour(db, hour)) objects.push({ ...object, hour });
  return objects;
}

/** The hour's landed objects, each once: its raw answers, its batches' Parquet files and their version runs. */
export async function landedObjectsForHour(db: Knex, hour: Date): Promise<LandedObject[]> {
  const files = (await db('landed_files as f')
    .join('fetch_batches as b', 'b.batch_id', 'f.batch_id')
    .where('b.import_hour', hour)
    .orderBy('f.file_id')
    .select('f.object_key as key', 'f.sha256')) as LandedObject[];
  const runs = (await db('version_runs as v')
    .join('fetch_batches as b', 'b.batch_id', 'v.batch_id')
    .where('b.import_hour', hour)
    .orderBy('v.batch_id')
    .select('v.object_key as key', 'v.sha256')) as LandedObject[];
  const raws = (await rawBodiesOfHour(db, hour)).map((row) => ({
    key: String(row.object_key),
    sha256: String(row.sha256),
  }));
  return oncePerObject([...raws, ...files, ...runs]);
}
