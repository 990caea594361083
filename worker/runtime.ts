/**
 * Everything a worker needs, built once from the configuration at start: the database (migrated),
 * the region index, the sources, the landing store, DuckDB and the backup store. Anything wrong here stops the worker at start
 * with a message naming the setting or the file.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { collectStartupGarbage } from './startupGarbage';
import { KNOWN_ERROR_EXIT, runInChild } from './child';
import type { Knex } from 'knex';
import type { Config } from '../config';
import {
  createDatabase,
  databaseFailure,
  isDatabaseDriverError,
  migrateToLatest,
} from '../adapters/db/connection';
import { loadRegionSet } from '../adapters/regions';
import { buildRegionIndex } from '../core/geo';
import { RegionsError } from '../core/errors';
import { createSources } from '../adapters/sources';
import type { Source } from '../adapters/sources/types';
import { BackupStore } from '../adapters/backup/store';
import { bindObjectStore } from '../adapters/db/storeIdentity';
import type { ActivityDeps } from '../activities';
import { BACKUP_STORE, LANDING_STORE, openObjectStore } from '../adapters/objectStore';
import { openAnalytics } from '../adapters/analytics/duckdb';
import { moveRowStoreReadings } from '../adapters/analytics/upgrade';
import { ParkedAnswers } from '../adapters/files/parkedAnswers';
import { usePageCacheTuning } from '../adapters/files/pageCache';
import { MeteredObjectStore, TrafficMeter } from '../adapters/objectStore/metered';
import { CachedObjectStore } from '../adapters/objectStore/cached';
import { versionIndexLookup, warmEvery } from '../adapters/landing/versions';
import { versionCacheOf } from '../adapters/versions/landingLookup';

/** How often a worker fetches the version runs other workers wrote (10 s: a query when none is new). */
const VERSION_WARM_MS = 10_000;

export interface WorkerRuntime {
  deps: ActivityDeps;
  close(): Promise<void>;
}

export async function buildRuntime(
  config: Config,
  overrides: {
    db?: Knex;
    sources?: readonly Source[];
    now?: () => Date;
    /** Skip the geometry check (seconds on the national file): tests that start many workers. */
    skipGeometryCheck?: boolean;
  } = {},
): Promise<WorkerRuntime> {
  const sources = overrides.sources ?? createSources(config);
  usePageCacheTuning(config.pipeline.pageCacheTuning);
  // Both stores are checked first: a worker that cannot land or back up refuses to start, naming
  // the setting (a missing bucket is reported, never created).
  const landingLocation = openObjectStore(config.landingStoreUrl, config.s3, LANDING_STORE);
  const backupLocation = openObjectStore(config.backupDir, config.s3, BACKUP_STORE);
  await Promise.all([landingLocation.check(), backupLocation.check()]);
  const regionSet = await loadRegionSet(config.regions);
  if (overrides.skipGeometryCheck !== true)
    await checkRegionGeometryOnce(config.regions, regionSet.hash, config.regionsOverlapTolerance);
  const regionIndex = buildRegionIndex(regionSet);
  const db = overrides.db ?? createDatabase(config.database);
  try {
    await migrateToLatest(db);
  } catch (error) {
    if (!overrides.db) await db.destroy();
    throw isDatabaseDriverError(error) ? databaseFailure(error, config.database, 'migrating') : error;
  }
  const scratchDir = path.join(
    config.pipeline.scratchDir,
    `worker-${process.pid}-${randomUUID().slice(0, 8)}`,
  );
  // Bound to this database's store id: two databases sharing a folder or bucket never meet.
  // Its traffic counted (the metrics); a remote store's landed files kept on this worker a while.
  const landingTraffic = new TrafficMeter();
  const metered = new MeteredObjectStore(await bindObjectStore(db, landingLocation), landingTraffic);
  const landingStore =
    config.pipeline.landingCacheMb > 0 && config.landingStoreUrl.startsWith('s3://')
      ? new CachedObjectStore(
          metered,
          path.join(scratchDir, 'landing-cache'),
          config.pipeline.landingCacheMb * 1024 * 1024,
        )
      : metered;
  await fs.promises.mkdir(scratchDir, { recursive: true });
  const analytics = await openAnalytics({
    memoryLimitMb: config.pipeline.duckdbMemoryLimitMb,
    threads: config.pipeline.duckdbThreads,
    tempDir: path.join(scratchDir, 'duckdb'),
  });
  // Readings landed by the row-store pipeline move into the landing store (a no-op once done).
  await moveRowStoreReadings(db, {
    landingStore,
    analytics,
    scratchDir,
    buckets: config.pipeline.buckets,
  });
  collectStartupGarbage();
  const now = overrides.now ?? (() => new Date());
  const stopWarming = config.pipeline.versionIndex
    ? warmEvery(
        versionIndexLookup(db, landingStore, versionCacheOf(scratchDir)),
        sources.map((source) => source.name),
        config.pipeline.correctionHorizonHours,
        now,
        VERSION_WARM_MS,
      )
    : () => undefined;
  return {
    deps: {
      db,
      sources,
      regionIndex,
      regionsHash: regionSet.hash,
      backupStore: new BackupStore(backupLocation),
      now,
      limits: config.validation,
      correctionStrategy: config.correctionStrategy,
      sourceFailurePolicy: config.sourceFailurePolicy,
      quality: config.quality,
      fetchMaxLagHours: config.fetchMaxLagHours,
      database: config.database,
      landingStore,
      landingTraffic,
      analytics,
      scratchDir,
      versionIndex: config.pipeline.versionIndex,
      buckets: config.pipeline.buckets,
      correctionHorizonHours: config.pipeline.correctionHorizonHours,
      // Shared by the workers of the machine, kept across restarts: a retry finds the answer there.
      parkedAnswers: new ParkedAnswers(path.join(config.pipeline.scratchDir, 'answers')),
      storeRetryBudgetMs: config.pipeline.storeRetryBudgetMs,
      partsConcurrency: config.pipeline.partsConcurrency,
    },
    close: async () => {
      stopWarming();
      analytics.close();
      await fs.promises.rm(scratchDir, { recursive: true, force: true });
      if (!overrides.db) await db.destroy();
    },
  };
}

/**
 * The geometry check takes seconds on the national file: a marker named by the regions' content
 * hash (and the tolerance) records that these exact polygons passed, so later starts skip it. It
 * runs in a child process (worker/geometryCheckMain.ts): the hundreds of MB its geometry takes are
 * returned with the child, not kept in the worker's heap for the hours it runs.
 * @throws RegionsError when the polygons are invalid or overlap (the child's message).
 */
async function checkRegionGeometryOnce(
  source: Config['regions'],
  hash: string,
  overlapTolerance: number,
): Promise<void> {
  const marker = path.join(source.cacheDir, `geometry-valid-${hash}-${overlapTolerance}`);
  if (fs.existsSync(marker)) return;
  await runInChild(
    require.resolve('./geometryCheckMain'),
    [JSON.stringify(source), String(overlapTolerance), hash],
    (code, stderr) =>
      code === KNOWN_ERROR_EXIT
        ? new RegionsError(stderr.split('\n').at(-1) ?? stderr)
        : new RegionsError(`the region geometry check failed (exit ${code}): ${stderr}`),
  );
  try {
    fs.mkdirSync(source.cacheDir, { recursive: true });
    fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  } catch {
    // Only a cache: the check runs again next time.
  }
}
