/**
 * The version lookup: where the landing learns the earlier versions of a batch's readings
 * (docs/versioning.md). One function, so another lookup (a record-level index) replaces this one
 * without the landing or the fetch activity changing.
 */
import path from 'node:path';
import fs from 'node:fs/promises';
import type { Knex } from 'knex';
import { addHours } from '../../core/importHour';
import { lookupFiles } from '../db/landing';
import type { ObjectStore } from '../objectStore/types';

export interface VersionLookupRequest {
  source: string;
  importHour: Date;
  /** CORRECTION_HORIZON_HOURS. */
  horizonHours: number;
  /**
   * A refetch's retired batches (its import hour and the batch key prefix it supersedes): their
   * versions are left out, as the readings that still count are what a refetch compares against.
   */
  retiring?: { importHour: Date; keyPrefix: string };
  /** A private local folder for whatever the lookup downloads; removed by the caller afterwards. */
  workDir: string;
}

export interface KnownVersions {
  /**
   * Local Parquet files (`LANDED_COLUMNS`, adapters/analytics/landing.ts) that hold, for every
   * reading of the source whose newest live version belongs to the window, at least that version.
   * Other rows may be in them: the landing keeps, per id, the newest by (received_at, batch_key,
   * ordinal) and ignores ids the batch does not carry.
   */
  files: readonly string[];
}

/**
 * Answers "which earlier versions of this source's readings may the batch meet?".
 *
 * Contract: the window is the horizon plus one hour, [importHour − (horizonHours + 1) h, ∞) on
 * `belongs_to_hour`: a reading measured at the horizon's first instant belongs to the hour before.
 * Only live batches count (none superseded, none of `retiring`). Called once per batch, after the
 * answer is stored and before it is parsed; errors are the store's or the database's (retryable
 * when they are), never the source's. This implementation downloads every live Parquet file of the
 * window, one after another: its work grows with the hours landed (issue 23 replaces it).
 */
export type LookUpEarlierVersions = (request: VersionLookupRequest) => Promise<KnownVersions>;

export function lookUpEarlierVersionsInFiles(db: Knex, store: ObjectStore): LookUpEarlierVersions {
  return async (request) => {
    const since = addHours(request.importHour, -(request.horizonHours + 1));
    const keys = await lookupFiles(db, request.source, since, request.retiring);
    const dir = path.join(request.workDir, 'known');
    await fs.mkdir(dir, { recursive: true });
    const files: string[] = [];
    for (const key of keys) files.push(await store.getFile(key, dir));
    return { files };
  };
}
