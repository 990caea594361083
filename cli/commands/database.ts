/** `tempctl migrate` and `tempctl query three-hours-before`. */
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { loadConfig, type Config } from '../../config';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createDatabase, describeTarget, migrateToLatest } from '../../adapters/db/connection';
import { openObjectStore, type ObjectStore } from '../../adapters/objectStore';
import { openAnalytics, type Analytics } from '../../adapters/analytics/duckdb';
import { moveRowStoreReadings } from '../../adapters/analytics/upgrade';
import { bindObjectStore } from '../../adapters/db/storeIdentity';
import { threeHoursBefore } from '../../adapters/db/queries';
import { formatHour, parseHour } from '../../core/importHour';
import { round, table } from '../format';

export async function withDatabase<T>(work: (db: Knex) => Promise<T>): Promise<T> {
  const db = createDatabase(loadConfig().database);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

export function printThreeHoursBefore(rows: Awaited<ReturnType<typeof threeHoursBefore>>): void {
  console.log(
    table(
      ['Region', 'Hour', 'Temperature', 'Temperature3HoursBefore'],
      rows.map((r) => [r.region, formatHour(r.hour), round(r.temperature), round(r.temperature3HoursBefore)]),
    ),
  );
}

/** The landing store, DuckDB and a scratch folder, for the time of `work`. */
async function withLandingStore<T>(
  db: Knex,
  config: Config,
  work: (deps: {
    landingStore: ObjectStore;
    analytics: Analytics;
    scratchDir: string;
    hourBuckets: number;
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
    const landingStore = await bindObjectStore(db, openObjectStore(config.landingStoreUrl, config.s3));
    return await work({ landingStore, analytics, scratchDir, hourBuckets: config.pipeline.hourBuckets });
  } finally {
    analytics.close();
    await fs.rm(scratchDir, { recursive: true, force: true });
  }
}

export function registerDatabaseCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply the database migrations (the worker also does at start)')
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
      }),
    );

  program
    .command('query')
    .description("analysts' queries")
    .command('three-hours-before')
    .description("each region's temperature per hour next to its temperature 3 hours before")
    .option('--region <name>', 'one region, by name (e.g. "Île-de-France")')
    .option('--from <hour>', 'first hour, ISO 8601')
    .option('--to <hour>', 'last hour, ISO 8601')
    .action((options: { region?: string; from?: string; to?: string }) =>
      withDatabase(async (db) => {
        const rows = await threeHoursBefore(db, {
          region: options.region,
          from: options.from === undefined ? undefined : parseHour(options.from),
          to: options.to === undefined ? undefined : parseHour(options.to),
        });
        printThreeHoursBefore(rows);
      }),
    );
}
