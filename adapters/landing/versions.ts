/**
 * The version lookup: where the landing learns the earlier versions of a batch's readings
 * (docs/versioning.md). One function, so another lookup (a record-level index) replaces this one
 * without the landing or the fetch activity changing.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import fs from 'node:fs/promises';
import type { Knex } from 'knex';
import type { DuckDBConnection } from '@duckdb/node-api';
import { lookupWindowStart } from '../../core/importHour';
import { lookupFiles } from '../db/landing';
import type { StoredRun } from '../db/versionRuns';
import type { ObjectStore } from '../objectStore/types';
import type { VersionCache } from '../versions/cache';
import {
  prepareLookup,
  storeVersionRun,
  warmLookup,
  type VersionLookupStats,
} from '../versions/landingLookup';
import { getRecordedFile, type LandedReader } from '../backup/landedObjects';

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
  /**
   * A record-level index's answer, in DuckDB: given the SQL of the batch's ids, the name of a table
   * of the newest live version it knows of each (LandBodyInput.indexedVersions).
   */
  indexed?: (conn: DuckDBConnection, idsSql: string) => Promise<string>;
  /** The index takes the batch's own versions: the landing writes them, they are kept with the batch. */
  record?: RecordVersions;
  /** What the lookup did, for the log. */
  stats?: VersionLookupStats;
}

/** How a batch's versions enter the index: written, stored before the commit, kept after it. */
export interface RecordVersions {
  /** Where the landing writes the batch's version run (LandBodyInput.versionRunPath). */
  runPath: string;
  /** Puts the run in the landing store; what the commit records (`version_runs`). */
  store(
    run: { path: string; entries: number },
    batch: { source: string; importHour: Date; segment: string },
  ): Promise<StoredRun>;
  /** The batch is committed with its run: the worker keeps it for the next lookups. */
  committed(run: StoredRun): Promise<void>;
}

/**
 * Answers "which earlier versions of this source's readings may the batch meet?".
 *
 * Contract: the window is the horizon plus one hour, [importHour − (horizonHours + 1) h, ∞) on
 * `belongs_to_hour`: a reading measured at the horizon's first instant belongs to the hour before.
 * Only live batches count (none superseded, none of `retiring`). Called once per batch, after the
 * answer is stored and before it is parsed; errors are the store's or the database's (retryable
 * when they are), never the source's. `lookUpEarlierVersionsInFiles` downloads every live Parquet
 * file of the window, one after another: its work grows with the hours landed; the landing uses
 * `versionIndexLookup` (below) unless told otherwise.
 */
export type LookUpEarlierVersions = (request: VersionLookupRequest) => Promise<KnownVersions>;

export function lookUpEarlierVersionsInFiles(
  db: Knex,
  reader: () => Promise<LandedReader>,
): LookUpEarlierVersions {
  return async (request) => {
    const since = lookupWindowStart(request.importHour, request.horizonHours);
    const recorded = await lookupFiles(db, request.source, since, request.retiring);
    const dir = path.join(request.workDir, 'known');
    await fs.mkdir(dir, { recursive: true });
    // Each checked against its recorded sha256, repaired from the backup copy if need be.
    const landed = await reader();
    const files: string[] = [];
    for (const object of recorded) files.push(await getRecordedFile(landed, object, dir));
    return { files };
  };
}

/** A lookup that can ready itself while the batch's answer downloads. */
export interface WarmableLookup {
  lookUp: LookUpEarlierVersions;
  /** Readies the lookup of `source`'s batch of `importHour` (errors: the store's or the database's). */
  warm(source: string, importHour: Date, horizonHours: number): Promise<void>;
}

/**
 * The record-level index (docs/versioning.md, "The version index"): the source's live version runs,
 * held in the worker's cache (`cache`), answer for the batch's ids with reads that scale with the
 * batch; only batches landed before the index are read as Parquet files. `warm` downloads the runs
 * other workers wrote before the landing needs them.
 */
export function versionIndexLookup(db: Knex, store: ObjectStore, cache: VersionCache): WarmableLookup {
  return {
    warm: (source, importHour, horizonHours) =>
      warmLookup(
        { db, landingStore: store, cache },
        { source, since: lookupWindowStart(importHour, horizonHours) },
      ),
    lookUp: async (request) => {
      const since = lookupWindowStart(request.importHour, request.horizonHours);
      const dir = path.join(request.workDir, 'known');
      await fs.mkdir(dir, { recursive: true });
      const prepared = await prepareLookup(
        { db, landingStore: store, cache },
        { source: request.source, since, retiring: request.retiring, workDir: dir },
      );
      const runPath = path.join(request.workDir, `version-run-${randomUUID()}.run`);
      return {
        files: prepared.knownFiles,
        indexed: prepared.indexedVersions,
        stats: prepared.stats,
        record: {
          runPath,
          store: (run, batch) => storeVersionRun(store, run, batch),
          committed: (run) => cache.adopt(request.source, run.key, runPath),
        },
      };
    },
  };
}

/**
 * Between fetches too, every `everyMs`, each source's runs that other workers wrote come down into
 * this worker's cache as they appear, an hour's at a time, not all at its next fetch. A failure
 * here is met again, and reported, by the next landing's own lookup. The timer is unref'd (it never
 * keeps the process up); the function returned stops it.
 */
export function warmEvery(
  lookup: WarmableLookup,
  sources: readonly string[],
  horizonHours: number,
  now: () => Date,
  everyMs: number,
): () => void {
  const timer = setInterval(() => {
    for (const source of sources) lookup.warm(source, now(), horizonHours).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
