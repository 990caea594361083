/**
 * Corrections as deltas in PostgreSQL (migrations/008_bucket_deltas.ts, core/bucketDelta.ts): the
 * source's batch count a landing reads before its lookup, the deltas a batch commits for the
 * buckets of earlier hours it corrects, and their reading and removal by `planHour`.
 */
import type { Knex } from 'knex';
import type { BucketResult } from '../../core/bucket';
import { bucketRules, identityOf, withFiles, type BucketDelta } from '../../core/bucketDelta';
import type { CorrectionStrategy } from '../../core/policies';
import { insertInChunks } from './insertChunks';

/** A file's fingerprint in SQL: core/bucketDelta.ts `fileFingerprint`, the same 64 bits. */
const FILE_FINGERPRINT_SQL = `('x' || left(md5(f.object_key || f.sha256), 16))::bit(64)::bigint`;

/**
 * How many batches of `source` have committed (read before its version lookup). Batches are never
 * deleted: the same count at the commit means no batch of the source committed in between, by any
 * worker of any version, so the versions the lookup found are still the newest.
 */
export async function sourceBatchCount(db: Knex, source: string): Promise<number> {
  const [row] = (await db('fetch_batches').where({ source }).count({ n: '*' })) as { n: string | number }[];
  return Number(row?.n ?? 0);
}

/** A batch's change to one bucket of an earlier hour (adapters/landing/index.ts `deltasOf`). */
export interface BucketChange {
  hour: Date;
  bucket: number;
  /** The hour's bucket count the batch's files there use. */
  bucketCount: number;
  change: BucketResult;
}

export interface DeltaInput {
  /** `sourceBatchCount` before the version lookup: the deltas hold only if no batch of the source committed since. */
  lookupBatches: number;
  changes: readonly BucketChange[];
  strategy: CorrectionStrategy;
  regionsHash: string;
}

/**
 * Records the batch's deltas, in its commit's transaction before its own batch row and files are
 * inserted: each on the bucket's live files now, when the source still has the lookup's number of
 * batches and the hour's bucket count is the one the change was made for, all read in one statement
 * (one snapshot). Nothing is recorded when the role may not (roles not applied since migration 008):
 * the buckets are recomputed, as before it.
 */
export async function recordDeltas(
  trx: Knex.Transaction,
  batchId: number,
  input: DeltaInput,
  source: string,
  files: readonly { key: string; sha256: string; belongsToHour: Date; bucket: number }[],
): Promise<number> {
  if (input.changes.length === 0) return 0;
  const hours = [...new Set(input.changes.map((c) => c.hour.getTime()))].map((ms) => new Date(ms));
  const bases = (await trx.raw(
    `SELECT f.belongs_to_hour AS hour, f.bucket, CAST(sum(${FILE_FINGERPRINT_SQL}) AS TEXT) AS sum,
            CAST(count(*) AS INTEGER) AS files, max(max(f.bucket_count)) OVER (PARTITION BY f.belongs_to_hour) AS bucket_count,
            (SELECT CAST(count(*) AS INTEGER) FROM fetch_batches WHERE source = ? AND batch_id <> ?) AS batches,
            has_table_privilege(current_user, 'bucket_deltas', 'INSERT') AS may
       FROM landed_files f JOIN fetch_batches b ON b.batch_id = f.batch_id
      WHERE b.superseded_at IS NULL AND f.belongs_to_hour = ANY(?) AND f.batch_id <> ?
      GROUP BY f.belongs_to_hour, f.bucket`,
    [source, batchId, hours, batchId],
  )) as {
    rows: {
      hour: Date;
      bucket: number;
      sum: string;
      files: number;
      bucket_count: number;
      batches: number;
      may: boolean;
    }[];
  };
  const [first] = bases.rows;
  if (first === undefined || !first.may || Number(first.batches) !== input.lookupBatches) return 0;
  const baseOf = new Map(bases.rows.map((r) => [`${r.hour.getTime()}/${r.bucket}`, r]));
  const rows = input.changes.flatMap((change) => {
    const base = baseOf.get(`${change.hour.getTime()}/${change.bucket}`);
    // A bucket with no file yet, or whose hour another source counts in more buckets: recomputed.
    if (base === undefined || Number(base.bucket_count) !== change.bucketCount) return [];
    const baseFiles = identityOf(BigInt(base.sum), Number(base.files));
    const mine = files.filter(
      (f) => f.belongsToHour.getTime() === change.hour.getTime() && f.bucket === change.bucket,
    );
    return [
      {
        batch_id: batchId,
        hour: change.hour,
        bucket: change.bucket,
        rules: bucketRules({
          bucketCount: change.bucketCount,
          strategy: input.strategy,
          regionsHash: input.regionsHash,
        }),
        base_files: baseFiles,
        files: withFiles(baseFiles, mine),
        change: JSON.stringify(change.change),
      },
    ];
  });
  await insertInChunks(trx, 'bucket_deltas', rows);
  return rows.length;
}

/** A recorded delta, with the batch that made it. */
export type RecordedDelta = BucketDelta & { batchId: number };

/**
 * The deltas recorded for the hour's buckets, by bucket. Few: each is removed once applied, or
 * when its bucket is recomputed from its files (`dropDeltas`).
 */
export async function hourDeltas(db: Knex, hour: Date): Promise<Map<number, RecordedDelta[]>> {
  const rows = (await withoutPrivilege(
    db('bucket_deltas')
      .where('hour', hour)
      .select('batch_id', 'bucket', 'rules', 'base_files', 'files', 'change'),
    [],
  )) as {
    batch_id: string | number;
    bucket: number;
    rules: string;
    base_files: string;
    files: string;
    change: BucketResult;
  }[];
  const byBucket = new Map<number, RecordedDelta[]>();
  for (const r of rows)
    byBucket.set(r.bucket, [
      ...(byBucket.get(r.bucket) ?? []),
      {
        batchId: Number(r.batch_id),
        rules: r.rules,
        baseFiles: r.base_files,
        files: r.files,
        change: r.change,
      },
    ]);
  return byBucket;
}

/**
 * Removes all of a bucket's deltas, after it was recomputed from its files (`dropAppliedDeltas`:
 * those now in a stored result). One removed beside a commit costs that bucket a recompute, never
 * a wrong result: without it no chain reaches the bucket's files.
 */
export async function dropDeltas(db: Knex, hour: Date, bucket: number) {
  await withoutPrivilege(db('bucket_deltas').where({ hour, bucket }).delete(), 0);
}

/** Removes the deltas of the given batches, now in their buckets' stored results, in one statement. */
export async function dropAppliedDeltas(
  db: Knex,
  hour: Date,
  applied: readonly { bucket: number; batchIds: readonly number[] }[],
) {
  const some = applied.filter((a) => a.batchIds.length > 0);
  if (some.length === 0) return;
  const query = db('bucket_deltas')
    .where({ hour })
    .andWhere((any) => {
      for (const { bucket, batchIds } of some)
        void any.orWhere((one) => {
          void one.where('bucket', bucket).whereIn('batch_id', batchIds);
        });
    });
  await withoutPrivilege(query.delete(), 0);
}

/**
 * A role that `tempctl roles apply` has not been given the table since migration 008: no deltas
 * (every bucket recomputed from its files, as before), not a failed hour.
 */
async function withoutPrivilege<T>(query: Promise<T>, none: T): Promise<T> {
  try {
    return await query;
  } catch (error) {
    if ((error as { code?: unknown }).code === '42501') return none;
    throw error;
  }
}
