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

/**
 * How many records of each reason (its first) a batch keeps in PostgreSQL's quarantine table, with
 * their text: an hour of 1,000,000 refused records keeps 100 examples and its counts
 * (`rejectedByReason`), not 1,000,000 rows; every record is still in the stored answer, which a
 * rerun lands again the same way (docs/operations.md, section 6).
 */
export const QUARANTINE_SAMPLES_PER_REASON = 100;

export function countReasons(
  rejections: readonly { reasons: readonly Rejection[] }[],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { reasons } of rejections) {
    for (const { code } of reasons) counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}
