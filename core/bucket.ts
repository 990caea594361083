/**
 * One bucket of an hour: its share of the counted readings as columns (typed arrays, one entry per
 * reading, no object per reading), reduced to exact per-region partial sums and statistics; and
 * the merge of an hour's buckets. Buckets split readings by a hash of (source, reading id), so all
 * versions of a reading share one and the merge needs no shuffle (docs/scaling.md §3.2).
 */
import {
  addToPartials,
  aggregatesOf,
  mergePartials,
  type RegionAggregate,
  type RegionPartials,
} from './aggregate';
import { addStats, countReading, emptyStats, type HourStats, type LabelClass } from './hourStats';

export interface BucketResult {
  partials: RegionPartials;
  stats: HourStats;
}

export interface BucketColumns {
  /** Region number per reading (index into `regionNames`), -1 for none. */
  regionNumbers: Int16Array;
  /** °C per reading. */
  temperatures: Float64Array;
  /** Label class per reading (core/hourStats.ts). */
  labels: Uint8Array;
}

export function computeBucket(columns: BucketColumns, regionNames: readonly string[]): BucketResult {
  const partials: RegionPartials = {};
  const stats = emptyStats();
  const { regionNumbers, temperatures, labels } = columns;
  for (let i = 0; i < regionNumbers.length; i += 1) {
    const number = regionNumbers[i] as number;
    const region = number < 0 ? null : (regionNames[number] ?? null);
    if (region !== null) addToPartials(partials, region, temperatures[i] as number);
    countReading(stats, region, labels[i] as LabelClass);
  }
  return { partials, stats };
}

/** The hour from its buckets' results, in any order: the same bits whatever the bucket count. */
export function mergeBuckets(results: readonly BucketResult[]): {
  aggregates: RegionAggregate[];
  stats: HourStats;
} {
  const stats = emptyStats();
  for (const result of results) addStats(stats, result.stats);
  return { aggregates: aggregatesOf(mergePartials(results.map((r) => r.partials))), stats };
}

/** HOUR_BUCKETS and HOUR_BUCKET_READINGS. */
export interface BucketSettings {
  maxBuckets: number;
  readingsPerBucket: number;
}

/**
 * How many buckets a source splits a new hour into: one per `readingsPerBucket` readings of its
 * batch that first lands in the hour, at least 1 and at most `maxBuckets` (HOUR_BUCKET_READINGS,
 * HOUR_BUCKETS). The source keeps that count in the hour: all versions of a reading must stay in
 * one bucket.
 *
 * Why: a bucket costs an activity, a Parquet file and its backup copy whatever its size, so a small
 * hour is faster in one bucket while a large one gains from several (docs/scaling.md §2.1).
 * @throws RangeError when `readings` is negative or a setting is below 1.
 */
export function bucketCountFor(readings: number, settings: BucketSettings): number {
  const { maxBuckets, readingsPerBucket } = settings;
  if (!(readings >= 0) || !(maxBuckets >= 1) || !(readingsPerBucket >= 1))
    throw new RangeError(`bucketCountFor(${readings}, ${maxBuckets}, ${readingsPerBucket}): out of range`);
  return Math.min(maxBuckets, Math.max(1, Math.ceil(readings / readingsPerBucket)));
}
