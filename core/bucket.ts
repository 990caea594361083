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
