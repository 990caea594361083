/**
 * The hour's computation, fanned out: `planHour` says which buckets must be computed (their
 * inputs changed since their stored partial result), `aggregateBucket` computes one bucket from its
 * Parquet files on any worker, and the workflow merges the results exactly (core/bucket.ts) and
 * publishes them with `persistHour`, in one transaction. `refreshHours` does all three for the
 * hours a batch corrected, in one activity, when their deltas leave no bucket to compute.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { bucketCountFor, mergeBuckets, type BucketResult } from '../core/bucket';
import {
  applyDeltas,
  bucketInputsHash,
  bucketRules,
  filesIdentity,
  resultOfReadings,
} from '../core/bucketDelta';
import { dropAppliedDeltas, dropDeltas, hourDeltas, type RecordedDelta } from '../adapters/db/bucketDeltas';
import { emptyStats } from '../core/hourStats';
import type { RegionAggregate } from '../core/aggregate';
import { readCounted } from '../adapters/analytics/bucket';
import {
  hourFiles,
  hourPartials,
  replaceHourAggregates,
  savePartial,
  savePartials,
  type BucketFile,
  type StoredPartial,
} from '../adapters/db/hours';
import type { BucketOutcome, HourPlan, HoursRefresh, PersistSummary } from './types';
import type { ActivityDeps } from './deps';
import { withHeartbeat } from './heartbeat';
import { getRecordedFile, landedReaderOf } from '../adapters/backup/landedObjects';

/** Corrected hours refreshed at once: each is a few queries, so a few keep the pool busy. */
const HOURS_AT_ONCE = 4;

export function createComputeActivities(deps: ActivityDeps) {
  const { db } = deps;

  /** What a bucket's result depends on: its files (by content), the strategy and the polygons. */
  function inputsHash(files: readonly BucketFile[], bucketCount: number): string {
    return bucketInputsHash({
      files,
      bucketCount,
      strategy: deps.correctionStrategy,
      regionsHash: deps.regionsHash,
    });
  }

  async function bucketInputs(hour: Date) {
    const files = await hourFiles(db, hour);
    // Each source has one count in the hour (adapters/db/landing.ts `checkBucketCounts`), sources may
    // differ: bucket b reads bucket b of every source that has one, so the hour has as many buckets
    // as its largest count. An hour with no file has one (empty) bucket, as `bucketCountFor` gives.
    const bucketCount =
      files.length === 0 ? bucketCountFor(0, deps.buckets) : Math.max(...files.map((f) => f.bucketCount));
    const byBucket = new Map<number, BucketFile[]>();
    for (let b = 0; b < bucketCount; b += 1) byBucket.set(b, []);
    for (const file of files) byBucket.get(file.bucket)?.push(file);
    return { bucketCount, byBucket };
  }

  /** What a bucket's result is computed from, beyond its files, for deltas (core/bucketDelta.ts). */
  function rulesOf(bucketCount: number): string {
    return bucketRules({ bucketCount, strategy: deps.correctionStrategy, regionsHash: deps.regionsHash });
  }

  async function planHour(input: { hour: string }): Promise<HourPlan> {
    return planOf(new Date(input.hour));
  }

  async function planOf(hour: Date): Promise<HourPlan> {
    const { bucketCount, byBucket } = await bucketInputs(hour);
    const stored = new Map((await hourPartials<BucketResult>(db, hour)).map((p) => [p.bucket, p]));
    const plan: HourPlan = { bucketCount, stale: [], fresh: [] };
    let deltas: Map<number, RecordedDelta[]> | undefined;
    // Buckets brought up to date by their deltas: saved, then their deltas dropped, all at once.
    const updates: { partial: StoredPartial<BucketResult>; applied: number[] }[] = [];
    for (const [bucket, files] of byBucket) {
      const saved = stored.get(bucket);
      if (files.length === 0) {
        plan.fresh.push({ bucket, result: { partials: {}, stats: emptyStats() }, reused: true, files: 0 });
        continue;
      }
      const hash = inputsHash(files, bucketCount);
      if (saved !== undefined && saved.inputsHash === hash) {
        plan.fresh.push({ bucket, result: saved.result, reused: true, files: files.length });
        continue;
      }
      // Corrections since the stored result, as deltas that chain from its files to these.
      const target = { files: filesIdentity(files), rules: rulesOf(bucketCount) };
      deltas ??= saved?.files === undefined ? undefined : await hourDeltas(db, hour);
      const updated =
        saved?.files === undefined || saved.rules === undefined
          ? undefined
          : applyDeltas(
              { result: saved.result, files: saved.files, rules: saved.rules },
              deltas?.get(bucket) ?? [],
              target,
            );
      if (updated === undefined) {
        plan.stale.push(bucket);
        continue;
      }
      updates.push({
        partial: { bucket, bucketCount, inputsHash: hash, result: updated.result, ...target },
        applied: updated.applied.map((d) => d.batchId),
      });
      plan.fresh.push({
        bucket,
        result: updated.result,
        reused: false,
        files: files.length,
        deltas: updated.applied.length,
      });
    }
    await savePartials(
      db,
      hour,
      updates.map((u) => u.partial),
      deps.now(),
    );
    await dropAppliedDeltas(
      db,
      hour,
      updates.map((u) => ({ bucket: u.partial.bucket, batchIds: u.applied })),
    );
    return plan;
  }

  async function aggregateBucket(input: { hour: string; bucket: number }): Promise<BucketOutcome> {
    const hour = new Date(input.hour);
    const workDir = path.join(deps.scratchDir, `bucket-${randomUUID()}`);
    await fs.mkdir(workDir, { recursive: true });
    try {
      return await withHeartbeat(`bucket ${input.bucket} of ${input.hour}`, async (beat) => {
        beat.stage('list files');
        const { bucketCount, byBucket } = await bucketInputs(hour);
        const files = byBucket.get(input.bucket) ?? [];
        beat.stage('get files');
        // Each checked against its recorded sha256, repaired from the backup copy if need be.
        const reader = await landedReaderOf(deps);
        const local: string[] = [];
        for (const file of files)
          local.push(
            await getRecordedFile(
              reader,
              { key: file.key, sha256: file.sha256, hour: file.importHour },
              workDir,
            ),
          );
        beat.stage('read');
        const columns = await deps.analytics.withConnection((conn) =>
          readCounted(conn, local, deps.correctionStrategy, { hour, bucket: input.bucket }),
        );
        beat.stage('assign and sum');
        const result = resultOfReadings(deps.regionIndex, columns);
        beat.stage('save');
        await savePartial(
          db,
          hour,
          {
            bucket: input.bucket,
            bucketCount,
            inputsHash: inputsHash(files, bucketCount),
            result,
            files: filesIdentity(files),
            rules: rulesOf(bucketCount),
          },
          deps.now(),
        );
        // Computed from its files: deltas made before are in it, or chain from no stored result.
        await dropDeltas(db, hour, input.bucket);
        return {
          bucket: input.bucket,
          result,
          reused: false,
          files: files.length,
          stageSeconds: beat.timings(),
        };
      });
    } finally {
      await fs.rm(workDir, { recursive: true, force: true });
    }
  }

  async function persistHour(input: {
    hour: string;
    aggregates: RegionAggregate[];
  }): Promise<PersistSummary> {
    return replaceHourAggregates(db, new Date(input.hour), input.aggregates);
  }

  /**
   * The hours a batch corrected, brought up to date in one activity: each is planned, and one whose
   * buckets are all fresh (reused, or updated by their deltas) is merged and persisted here, as
   * `planHour`, `mergeBuckets` and `persistHour` would in the workflow. The others, which have
   * buckets to compute from their files, are returned for the workflow to fan out as before.
   * Hours are independent: HOURS_AT_ONCE at a time, each in its own transactions.
   */
  async function refreshHours(input: { hours: string[] }): Promise<HoursRefresh> {
    const limit = pLimit(HOURS_AT_ONCE);
    return withHeartbeat(`refresh ${input.hours.length} corrected hours`, async () => {
      const done = await Promise.all(
        input.hours.map((iso) =>
          limit(async () => {
            const hour = new Date(iso);
            const plan = await planOf(hour);
            if (plan.stale.length > 0) return false;
            const { aggregates } = mergeBuckets(plan.fresh.map((outcome) => outcome.result));
            await replaceHourAggregates(db, hour, aggregates);
            return true;
          }),
        ),
      );
      return {
        refreshed: input.hours.filter((_, i) => done[i]),
        pending: input.hours.filter((_, i) => !done[i]),
      };
    });
  }

  return { planHour, aggregateBucket, persistHour, refreshHours };
}
