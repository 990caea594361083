/**
 * The landing's use of the version index (docs/versioning.md, "The version index"): before a batch
 * is parsed, the runs that count for its source are made present in the worker's cache (downloading
 * only runs written elsewhere) and the Parquet files of batches without a run are fetched; during
 * the landing, the batch's ids are looked up (`indexedVersions`); after, its own run is put in the
 * landing store, to be recorded with the batch, and then adopted by the cache.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import type { DuckDBConnection } from '@duckdb/node-api';
import { versionRunKey } from '../../core/landingKeys';
import { sha256OfStream } from '../objectStore/keys';
import type { ObjectStore } from '../objectStore/types';
import { versionSources, type StoredRun } from '../db/versionRuns';
import { ObjectStoreError } from '../../core/errors';
import { batchHashes, createKnownTable, hashCheck } from './duckdbRuns';
import { VersionCache, VERSION_FILTER_BITS } from './cache';
import { linkOrCopy } from '../files/linkOrCopy';

export interface VersionLookupStats {
  /** Runs that count for the batch, and how many (and bytes) were downloaded for this lookup. */
  runs: number;
  downloadedRuns: number;
  downloadedBytes: number;
  /** Parquet files read instead of runs (batches landed before the index). */
  filesWithoutRun: number;
  /** The batch's distinct id hashes, the entries whose hash matched, the newest versions found. */
  hashes: number;
  matched: number;
  versions: number;
  /** Seconds spent probing and reading runs (after the cache was ready). */
  seconds: number;
}

export interface PreparedLookup {
  /** Local copies of the Parquet files of live batches that have no run (LandBodyInput.knownFiles). */
  knownFiles: string[];
  /** LandBodyInput.indexedVersions. */
  indexedVersions: (conn: DuckDBConnection, idsSql: string) => Promise<string>;
  stats: VersionLookupStats;
}

/**
 * Readies the lookup of a batch of `source`: the versions that count are those belonging to `since`
 * or later, in batches no refetch superseded, less the batches a refetch is retiring (`retiring`).
 */
export async function prepareLookup(
  deps: { db: Knex; landingStore: ObjectStore; cache: VersionCache },
  batch: {
    source: string;
    since: Date;
    retiring?: { importHour: Date; keyPrefix: string };
    /** A folder for the downloaded Parquet files and the lookup's small files. */
    workDir: string;
  },
): Promise<PreparedLookup> {
  const sources = await versionSources(deps.db, batch.source, batch.since, batch.retiring);
  const synced = await deps.cache.sync(batch.source, sources.runs, (key, dir) =>
    deps.landingStore.getFile(key, dir),
  );
  const knownFiles: string[] = [];
  for (const key of sources.filesWithoutRun)
    knownFiles.push(await deps.landingStore.getFile(key, batch.workDir));
  const stats: VersionLookupStats = {
    runs: sources.runs.length,
    downloadedRuns: synced.downloaded,
    downloadedBytes: synced.downloadedBytes,
    filesWithoutRun: sources.filesWithoutRun.length,
    hashes: 0,
    matched: 0,
    versions: 0,
    seconds: 0,
  };
  return {
    knownFiles,
    stats,
    async indexedVersions(conn, idsSql) {
      const started = performance.now();
      const stale = deps.cache.staleRuns(sources.runs, await hashCheck(conn));
      if (stale.length > 0)
        throw new ObjectStoreError(
          `${stale.length} version run(s) of ${batch.source} were hashed by another DuckDB version than this worker's (${stale[0]}…): run \`tempctl versions rebuild\`, then retry`,
          { retryable: false },
        );
      // No run counts (the source's first hour, or only batches from before the index): nothing
      // to probe, and the batch's ids are not hashed.
      if (sources.runs.length > 0) {
        const keys = await batchHashes(conn, idsSql);
        const found = deps.cache.lookup(sources.runs, keys, batch.since.getTime());
        await createKnownTable(conn, 'indexed_versions', found.versions, batch.workDir);
        stats.hashes = keys.hi.length;
        stats.matched = found.matched;
        stats.versions = found.versions.length;
      } else await createKnownTable(conn, 'indexed_versions', [], batch.workDir);
      stats.seconds = (performance.now() - started) / 1000;
      return 'indexed_versions';
    },
  };
}

/**
 * Downloads, ahead of a landing, the runs of `source` that count from `since` and that the cache
 * lacks (written by other workers), so the landing's own `prepareLookup` finds them present. Called
 * while the batch's answer downloads (adapters/landing/index.ts `warm`); the landing's sync runs
 * after it and fetches whatever it still lacks.
 */
export async function warmLookup(
  deps: { db: Knex; landingStore: ObjectStore; cache: VersionCache },
  batch: { source: string; since: Date },
): Promise<void> {
  const sources = await versionSources(deps.db, batch.source, batch.since);
  await deps.cache.sync(batch.source, sources.runs, (key, dir) => deps.landingStore.getFile(key, dir));
}

/**
 * Puts a batch's version run (the file the landing wrote) in the landing store under its key, before
 * the batch commits. The same bytes get the same key: a retry that wrote the same run finds it.
 */
export async function storeVersionRun(
  store: ObjectStore,
  run: { path: string; entries: number },
  batch: { source: string; importHour: Date; segment: string },
): Promise<StoredRun> {
  const { sha256 } = await sha256OfStream(createReadStream(run.path));
  const key = versionRunKey(batch.source, batch.importHour, batch.segment, sha256);
  // A second name is put (moved into the store): the file itself goes on into the worker's cache
  // once the batch is committed. A hard link where the file system has them, a copy otherwise.
  const copy = `${run.path}.put`;
  await fs.rm(copy, { force: true });
  await linkOrCopy(run.path, copy);
  const stored = await store.putFile(key, copy, { sha256, move: true });
  await fs.rm(copy, { force: true });
  if (stored.sha256 !== sha256)
    throw new Error(`${key}: stored sha256 ${stored.sha256} is not the run's ${sha256}`);
  return { key, entries: run.entries, bytes: stored.bytes, sha256 };
}

/** The folder of a worker's version cache under its scratch folder. */
export function versionCacheDir(scratchDir: string): string {
  return path.join(scratchDir, 'versions');
}

const caches = new Map<string, VersionCache>();

/**
 * The version cache of the scratch folder `scratchDir`: one per folder in a process, whoever lands
 * (fetchSource and the parts' activities each make a landing), since a cache owns its folder's files.
 */
export function versionCacheOf(scratchDir: string): VersionCache {
  const dir = path.resolve(versionCacheDir(scratchDir));
  let cache = caches.get(dir);
  if (cache === undefined) {
    cache = new VersionCache(dir, { bitsPerKey: VERSION_FILTER_BITS });
    caches.set(dir, cache);
  }
  return cache;
}
