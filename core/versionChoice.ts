/**
 * Which stored version of a reading the landing compares a new record with (docs/versioning.md):
 * among the versions that still count (live batches, belonging to the correction horizon), the
 * newest, by received_at, then batch key, then ordinal. Ids are compared in full: two readings whose
 * ids share a 64-bit hash stay two readings.
 */
import type { VersionEntry } from './versionRun';

/** A version found in a run, with its batch's ordering keys. */
export interface FoundVersion {
  entry: VersionEntry;
  /** The batch's received_at, ms since the epoch. */
  receivedAt: number;
  batchKey: string;
}

/** Is version a newer than b (received later, then a greater batch key, then a greater ordinal)? */
export function newer(a: FoundVersion, b: FoundVersion): boolean {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt > b.receivedAt;
  // As SQL orders text (byte order of UTF-8), not as JavaScript compares UTF-16 units.
  if (a.batchKey !== b.batchKey) return Buffer.compare(Buffer.from(a.batchKey), Buffer.from(b.batchKey)) > 0;
  return a.entry.ordinal > b.entry.ordinal;
}

/**
 * The newest version of each reading id among `found`, leaving out versions that belong to an hour
 * before `sinceMs` (outside the horizon), in id order.
 */
export function newestVersions(found: Iterable<FoundVersion>, sinceMs: number): FoundVersion[] {
  const newest = new Map<string, FoundVersion>();
  for (const version of found) {
    if (version.entry.belongsToHour < sinceMs) continue;
    const seen = newest.get(version.entry.readingId);
    if (seen === undefined || newer(version, seen)) newest.set(version.entry.readingId, version);
  }
  return [...newest.values()].sort((a, b) =>
    a.entry.readingId < b.entry.readingId ? -1 : a.entry.readingId > b.entry.readingId ? 1 : 0,
  );
}
