/**
 * What several commands share: a database, and the landing store with DuckDB, for one piece of work
 * (Temporal clients: `client/`).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import { loadConfig, type Config } from '../config';
import { LANDING_STORE, openObjectStore, type ObjectStore } from '../adapters/objectStore';
import { openAnalytics, type Analytics } from '../adapters/analytics/duckdb';
import { bindObjectStore } from '../adapters/db/storeIdentity';
import type { BucketSettings } from '../core/bucket';
import { createDatabase, databaseFailure, isDatabaseDriverError } from '../adapters/db/connection';

/**
 * Opens the configured database, runs `work`, and closes it whether `work` succeeds or throws.
 * A driver failure becomes a DatabaseError naming the database and what we were `doing`.
 */
export async function withDatabase<T>(
  work: (db: Knex) => Promise<T>,
  doing = 'running the command',
): Promise<T> {
  const target = loadConfig().database;
  const db = createDatabase(target);
  try {
    return await work(db);
  } catch (error) {
    throw isDatabaseDriverError(error) ? databaseFailure(error, target, doing) : error;
  } finally {
    await db.destroy();
  }
}

/**
 * The configured landing store (bound to the database's store id), DuckDB and a scratch folder
 * `DATA_DIR/scratch/<name>-<pid>`, for the time of `work`; the folder is removed afterwards.
 */
export async function withLandingStore<T>(
  db: Knex,
  config: Config,
  name: string,
  work: (deps: {
    landingStore: ObjectStore;
    analytics: Analytics;
    scratchDir: string;
    buckets: BucketSettings;
  }) => Promise<T>,
): Promise<T> {
  const scratchDir = path.join(config.pipeline.scratchDir, `${name}-${process.pid}`);
  await fs.mkdir(scratchDir, { recursive: true });
  const analytics = await openAnalytics({
    memoryLimitMb: config.pipeline.duckdbMemoryLimitMb,
    threads: config.pipeline.duckdbThreads,
    tempDir: path.join(scratchDir, 'duckdb'),
  });
  try {
    const landingStore = await bindObjectStore(
      db,
      openObjectStore(config.landingStoreUrl, config.s3, LANDING_STORE),
    );
    return await work({ landingStore, analytics, scratchDir, buckets: config.pipeline.buckets });
  } finally {
    analytics.close();
    await fs.rm(scratchDir, { recursive: true, force: true });
  }
}
