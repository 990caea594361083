/**
 * `tempctl migrate`: apply the database migrations, then move any readings the row-store pipeline
 * landed in PostgreSQL into the landing store (adapters/analytics/upgrade.ts; a no-op once done).
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { describeTarget, migrateToLatest } from '../../adapters/db/connection';
import { moveRowStoreReadings } from '../../adapters/analytics/upgrade';
import { withDatabase, withLandingStore } from '../context';

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
        const moved = await withLandingStore(db, config, 'migrate', (deps) => moveRowStoreReadings(db, deps));
        if (moved.batches > 0) {
          console.log(
            `moved ${moved.readings} readings of ${moved.batches} batches from PostgreSQL into ${config.landingStoreUrl} (${moved.files} Parquet files, counts and sha256 checked)`,
          );
        }
      }, 'migrating'),
    );
}
