/**
 * `tempctl migrate`: apply the database migrations, then move any readings the row-store pipeline
 * landed in PostgreSQL into the landing store (adapters/analytics/upgrade.ts; a no-op once done).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { loadConfig, type Config } from '../../config';
import { describeTarget, migrateToLatest } from '../../adapters/db/connection';
import { LANDING_STORE, openObjectStore, type ObjectStore } from '../../adapters/objectStore';
import { openAnalytics, type Analytics } from '../../adapters/analytics/duckdb';
import { moveRowStoreReadings } from '../../adapters/analytics/upgrade';
import { bindObjectStore } from '../../adapters/db/storeIdentity';
import { withDatabase } from '../context';
import type { BucketSettings } from '../../core/bucket';

/** The landing store, DuckDB and a scratch folder, for the time of `work`. */
async function withLandingStore<T>(
  db: Knex,
  config: Config,
  work: (deps: {
    landingStore: ObjectStore;
    analytics: Analytics;
    scratchDir: string;
    buckets: BucketSettings;
  }) => Promise<T>,
): Promise<T> {
  const scratchDir = path.join(config.pipeline.scratchDir, `migrate-${process.pid}`);
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

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      'apply the database migrations and move row-store readings into the landing store (the worker also does at start)',
    )
    .action(() =>
      withDatabase(async (db) => {
        const applied = await migrateToLatest(db);
        const config = loadConfig();
        console.log(
          `${describeTarget(config.database)}: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}`,
        );
        const moved = await withLandingStore(db, config, (deps) => moveRowStoreReadings(db, deps));
        if (moved.batches > 0) {
          console.log(
            `moved ${moved.readings} readings of ${moved.batches} batches from PostgreSQL into ${config.landingStoreUrl} (${moved.files} Parquet files, counts and sha256 checked)`,
          );
        }
      }, 'migrating'),
    );
}
