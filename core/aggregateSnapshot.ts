/**
 * Which backup a restore takes an hour's aggregates from. An hour's aggregates are in its own
 * backup and, once a later import corrected it, in that import's backup too: each one a snapshot of
 * the hour's rows when that backup was written (adapters/db/backupTables.ts CORRECTED_AGGREGATES).
 * The database's rows only move forward, so the newest snapshot holds; on a tie, the hour's own.
 */
export interface AggregateSnapshot {
  /** ISO time its backup was written (the manifest's `createdAt`). */
  createdAt: string;
  /** In the hour's own backup, not in that of an import that corrected it. */
  own: boolean;
}

/** Whether `candidate` replaces `current` (none yet: it does). */
export function supersedes(candidate: AggregateSnapshot, current: AggregateSnapshot | undefined): boolean {
  if (current === undefined) return true;
  const [at, currentAt] = [Date.parse(candidate.createdAt), Date.parse(current.createdAt)];
  return at > currentAt || (at === currentAt && candidate.own && !current.own);
}
