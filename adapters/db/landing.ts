/**
 * The landing's small tables: raw bodies stored before parsing, batches with their Parquet files
 * (key, rows, sha256) and the quarantine. A batch is committed in one transaction (batch row, its
 * files, its rejected records), so it is either fully landed or not at all. Keyed by (source,
 * batch key): committing the same batch again (an activity retry) changes nothing and says so.
 */
import type { Knex } from 'knex';
import { storableJson, storableString } from '../../core/safeText';
import type { LandingCounts } from '../../core/landingPlan';
import type { Rejection } from '../../core/reading';
import { bucketCountFor, type BucketSettings } from '../../core/bucket';
import { DatabaseError } from '../../core/errors';
import { formatHour, HOUR_MS } from '../../core/importHour';
import { oncePerObject } from '../../core/landingKeys';
import { affectedRows } from './connection';
import { insertInChunks } from './insertChunks';
import { PULL_PREFIX } from '../../core/fetchDecision';
import { versionRunRow, type StoredRun } from './versionRuns';
import { recordDeltas, type DeltaInput } from './bucketDeltas';

export interface LandingResult extends LandingCounts {
  batchId: number;
  alreadyLanded: boolean;
  correctedHours: Date[];
  /** The run that landed the batch: another run's when a file was dropped again unchanged. */
  landedByRun: string;
}

export interface CommittedFile {
  key: string;
  belongsToHour: Date;
  bucket: number;
  bucketCount: number;
  rows: number;
  bytes: number;
  sha256: string;
}

/** A `landed_files` row for one of a batch's files. */
export function landedFileRow(batchId: number, f: CommittedFile) {
  return {
    batch_id: batchId,
    object_key: f.key,
    belongs_to_hour: f.belongsToHour,
    bucket: f.bucket,
    bucket_count: f.bucketCount,
    rows: f.rows,
    bytes: f.bytes,
    sha256: f.sha256,
  };
}

export interface CommitInput {
  importHour: Date;
  source: string;
  batchKey: string;
  runId: string;
  fetchedAt: Date;
  rawKey: string;
  counts: Omit<LandingCounts, 'replacedBatches'>;
  correctedHours: Date[];
  files: CommittedFile[];
  rejections: { record: unknown; text?: string; reasons: Rejection[] }[];
  /** For a refetch: the key prefix of this hour's earlier batches that the new batch replaces. */
  supersedePrefix?: string;
  /** The batch's version run, already in the landing store (none when the batch landed no row). */
  versionRun?: StoredRun;
  /** Its corrections' changes to the buckets of earlier hours, recorded as deltas when they hold. */
  deltas?: DeltaInput;
}

type StoredBatch = { batch_id: number; run_id: string; summary: LandingResult } | undefined;

function withSummary(row: StoredBatch): { batchId: number; summary: LandingResult } | undefined {
  if (!row) return undefined;
  const correctedHours = row.summary.correctedHours.map((hour) => new Date(hour));
  return { batchId: row.batch_id, summary: { ...row.summary, correctedHours, landedByRun: row.run_id } };
}

/** The landing summary of a batch already landed under this key, if any. */
export async function findBatch(db: Knex, source: string, batchKey: string) {
  return withSummary(
    (await db('fetch_batches')
      .where({ source, batch_key: batchKey })
      .first('batch_id', 'run_id', 'summary')) as StoredBatch,
  );
}

/** Batches of the hour that a refetch with `keyPrefix` retires, and the other hours their readings counted in. */
async function retireBatches(
  trx: Knex.Transaction,
  input: CommitInput,
  keyPrefix: string,
): Promise<{ count: number; correctedHours: Date[] }> {
  // Not the run's own batches: a refetch landed in parts commits each part with the same prefix.
  const batches = retirable(trx, input.source, input.importHour, keyPrefix).whereNot('run_id', input.runId);
  const corrected = (await trx('landed_files')
    .whereIn('batch_id', batches.clone().select('batch_id'))
    .whereNot('belongs_to_hour', input.importHour)
    .distinct('belongs_to_hour')) as { belongs_to_hour: Date }[];
  const count = affectedRows(await batches.update({ superseded_at: input.fetchedAt }));
  return { count, correctedHours: corrected.map((row) => row.belongs_to_hour) };
}

function retirable(db: Knex, source: string, importHour: Date, keyPrefix: string) {
  return db('fetch_batches')
    .where({ source, import_hour: importHour })
    .whereLike('batch_key', `${keyPrefix}%`)
    .whereNull('superseded_at');
}

function uniqueHours(hours: Date[]): Date[] {
  const byTime = new Map(hours.map((hour) => [hour.getTime(), hour]));
  return [...byTime.values()].sort((a, b) => a.getTime() - b.getTime());
}

/**
 * Every file a source lands in an hour has that source's one bucket count for the hour (all
 * versions of a reading share a bucket; other sources may have other counts). Two batches of one
 * source landing a new hour at once (a rerun beside the next hour's corrections) may each have
 * chosen one: the first to commit fixes it and the other is refused, retryable (its next attempt
 * lands the stored answer again, with that count). Each (source, hour) is locked, in order, until
 * the transaction ends, so two commits cannot both find it new. Used by `commitBatch` and the upgrade.
 * @throws DatabaseError (retryable) when another batch fixed a different count first.
 */
export async function checkBucketCounts(
  trx: Knex.Transaction,
  source: string,
  files: readonly CommittedFile[],
): Promise<void> {
  const wanted = new Map(files.map((f) => [f.belongsToHour.getTime(), f]));
  const hours = [...wanted.keys()].sort((a, b) => a - b);
  for (const ms of hours)
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?), ?)', [source, Math.floor(ms / HOUR_MS)]);
  const existing = await bucketCountsOf(
    trx,
    source,
    hours.map((ms) => new Date(ms)),
  );
  for (const [ms, count] of existing) {
    const file = wanted.get(ms);
    if (file !== undefined && file.bucketCount !== count)
      throw new DatabaseError(
        `${source}: hour ${new Date(ms).toISOString()} was split into ${count} buckets by another batch while this one was landing it in ${file.bucketCount}; the next attempt lands it in ${count}`,
        { retryable: true },
      );
  }
}

export async function commitBatch(db: Knex, input: CommitInput): Promise<LandingResult> {
  return db.transaction(async (trx) => {
    const existing = await findBatch(trx, input.source, input.batchKey);
    if (existing) return { ...existing.summary, alreadyLanded: true };
    const retired =
      input.supersedePrefix === undefined
        ? undefined
        : await retireBatches(trx, input, input.supersedePrefix);
    const [inserted] = (await trx('fetch_batches')
      .insert({
        import_hour: input.importHour,
        source: input.source,
        batch_key: input.batchKey,
        run_id: input.runId,
        fetched_at: input.fetchedAt,
        record_count: input.counts.fetched,
        raw_key: input.rawKey,
      })
      .returning('batch_id')) as { batch_id: number }[];
    const batchId = (inserted as { batch_id: number }).batch_id;
    const summary: LandingResult = {
      landedByRun: input.runId,
      batchId,
      alreadyLanded: false,
      ...input.counts,
      replacedBatches: retired?.count ?? 0,
      // Corrections the retired batch carried no longer count: their hours must be recomputed too.
      correctedHours: uniqueHours([...input.correctedHours, ...(retired?.correctedHours ?? [])]),
    };
    await trx('fetch_batches')
      .where('batch_id', batchId)
      .update({ summary: JSON.stringify(summary) });
    await checkBucketCounts(trx, input.source, input.files);
    // On the buckets' files before this batch's: before they are inserted.
    if (input.deltas !== undefined && retired === undefined)
      await recordDeltas(trx, batchId, input.deltas, input.source, input.files);
    await insertInChunks(
      trx,
      'landed_files',
      input.files.map((f) => landedFileRow(batchId, f)),
    );
    // In the batch's own transaction: a batch is never committed without its run, nor a run without its batch.
    if (input.versionRun) await trx('version_runs').insert(versionRunRow(batchId, input.versionRun));
    await insertInChunks(
      trx,
      'quarantine',
      input.rejections.map(({ record, text, reasons }) => ({
        batch_id: batchId,
        import_hour: input.importHour,
        source: input.source,
        raw: toJsonb(record),
        raw_text: text === undefined ? null : storableString(text),
        reasons: JSON.stringify(reasons),
        received_at: input.fetchedAt,
      })),
    );
    return summary;
  });
}

/**
 * A received record as jsonb, as close to verbatim as PostgreSQL allows: jsonb refuses NUL and lone
 * surrogates (in keys and strings, replaced by U+FFFD) and non-finite numbers (null); a record
 * nested too deep is stored as null (its text is kept in the quarantine). Without this one such
 * record would fail its whole batch, again at every retry.
 */
export function toJsonb(raw: unknown): string {
  return storableJson(raw) ?? 'null';
}

/** The hour's current batches (not superseded), oldest first, with their keys and landing summaries. */
export async function liveBatches(
  db: Knex,
  hour: Date,
  source?: string,
): Promise<{ source: string; batchKey: string; summary: LandingResult }[]> {
  const query = db('fetch_batches').where('import_hour', hour).whereNull('superseded_at');
  if (source !== undefined) query.where('source', source);
  const rows = (await query
    .orderBy('batch_id')
    .select('batch_id', 'run_id', 'source', 'batch_key', 'summary')) as (NonNullable<StoredBatch> & {
    source: string;
    batch_key: string;
  })[];
  return rows.map((row) => ({
    source: row.source,
    batchKey: row.batch_key,
    summary: withSummary(row)!.summary,
  }));
}

export interface RawBody {
  objectKey: string;
  fetchedAt: Date;
  sha256: string;
}

/** The source's answer stored for this batch before parsing, if an earlier attempt stored one. */
export async function findRawBody(db: Knex, source: string, batchKey: string): Promise<RawBody | undefined> {
  const row = (await db('raw_bodies').where({ source, batch_key: batchKey }).first()) as
    { object_key: string; fetched_at: Date; sha256: string } | undefined;
  return row && { objectKey: row.object_key, fetchedAt: row.fetched_at, sha256: row.sha256 };
}

export async function recordRawBody(
  db: Knex,
  body: {
    source: string;
    batchKey: string;
    objectKey: string;
    fetchedAt: Date;
    bytes: number;
    sha256: string;
  },
): Promise<RawBody> {
  await db('raw_bodies')
    .insert({
      source: body.source,
      batch_key: body.batchKey,
      object_key: body.objectKey,
      fetched_at: body.fetchedAt,
      bytes: body.bytes,
      sha256: body.sha256,
    })
    .onConflict(['source', 'batch_key'])
    .ignore();
  return (await findRawBody(db, body.source, body.batchKey))!;
}

/**
 * The answers of `source` stored for an import hour, newest first: each pull batch's key starts
 * with `pull:<hour>` (a refetch adds `#refetch:<run id>`; core/fetchDecision.ts).
 */
export async function storedAnswers(
  db: Knex,
  source: string,
  hour: Date,
): Promise<{ batchKey: string; objectKey: string; fetchedAt: Date; bytes: number }[]> {
  const rows = (await db('raw_bodies')
    .where({ source })
    .andWhere('batch_key', 'like', `${PULL_PREFIX}${formatHour(hour)}%`)
    .orderBy('fetched_at', 'desc')) as {
    batch_key: string;
    object_key: string;
    fetched_at: Date;
    bytes: string | number;
  }[];
  return rows.map((r) => ({
    batchKey: r.batch_key,
    objectKey: r.object_key,
    fetchedAt: r.fetched_at,
    bytes: Number(r.bytes),
  }));
}

/** Forgets a stored body that is not a JSON array (cut short): the next attempt calls the source again. */
export async function forgetRawBody(db: Knex, source: string, batchKey: string): Promise<void> {
  await db('raw_bodies').where({ source, batch_key: batchKey }).delete();
}

/**
 * The source's live files whose readings belong to `since` or later, each once, as recorded (key, sha256, the
 * import hour that landed each): where earlier versions of an id are looked up (the correction
 * horizon). A refetch's retired batches are left out (`retiring`), as the old landing compared
 * against the readings that still count.
 */
export async function lookupFiles(
  db: Knex,
  source: string,
  since: Date,
  retiring?: { importHour: Date; keyPrefix: string },
): Promise<{ key: string; sha256: string; hour: Date }[]> {
  const query = db('landed_files as f')
    .join('fetch_batches as b', 'b.batch_id', 'f.batch_id')
    .where('b.source', source)
    .whereNull('b.superseded_at')
    .where('f.belongs_to_hour', '>=', since);
  if (retiring) {
    query.whereNotIn(
      'b.batch_id',
      retirable(db, source, retiring.importHour, retiring.keyPrefix).select('batch_id'),
    );
  }
  const rows = (await query.orderBy('f.file_id').select('f.object_key', 'f.sha256', 'b.import_hour')) as {
    object_key: string;
    sha256: string;
    import_hour: Date;
  }[];
  return oncePerObject(
    rows.map((row) => ({ key: row.object_key, sha256: row.sha256, hour: row.import_hour })),
  );
}

/** The bucket count `source` already uses in each of these hours (hours where it has no file are left out). */
async function bucketCountsOf(db: Knex, source: string, hours: Date[]): Promise<Map<number, number>> {
  if (hours.length === 0) return new Map();
  const rows = (await db('landed_files as f')
    .join('fetch_batches as b', 'b.batch_id', 'f.batch_id')
    .where('b.source', source)
    .whereIn('f.belongs_to_hour', hours)
    .distinct('f.belongs_to_hour', 'f.bucket_count')) as { belongs_to_hour: Date; bucket_count: number }[];
  return new Map(rows.map((row) => [row.belongs_to_hour.getTime(), row.bucket_count]));
}

/**
 * The bucket count of each hour a batch of `source` lands readings in (ms since epoch → count): the
 * count the source already uses there, or for an hour where it has no file yet `bucketCountFor` its
 * readings in this batch. `commitBatch` refuses the batch if another one fixed a new count first.
 */
export async function bucketCountsFor(
  db: Knex,
  source: string,
  hours: readonly { hour: Date; readings: number }[],
  settings: BucketSettings,
): Promise<Map<number, number>> {
  const counts = await bucketCountsOf(
    db,
    source,
    hours.map((h) => h.hour),
  );
  for (const { hour, readings } of hours)
    if (!counts.has(hour.getTime())) counts.set(hour.getTime(), bucketCountFor(readings, settings));
  return counts;
}
