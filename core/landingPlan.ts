/**
 * What landing a batch reports: counts of records, readings, duplicates, corrections and
 * rejections per reason. Which record is which is decided by the landing itself
 * (adapters/analytics/landing.ts: `validateRecord` and the fast-path SQL from core/readingSql.ts,
 * the version rules of docs/versioning.md).
 */
import type { Rejection } from './reading';

/** What landing records did, summed per batch, per source and per run. */
export interface LandingCounts {
  fetched: number;
  valid: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  duplicates: number;
  corrections: number;
  /** Earlier batches of the hour that a refetch replaced. */
  replacedBatches: number;
}

export function countReasons(
  rejections: readonly { reasons: readonly Rejection[] }[],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { reasons } of rejections) {
    for (const { code } of reasons) counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}
