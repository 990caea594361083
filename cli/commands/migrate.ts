/** `tempctl migrate`: apply the database migrations. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { describeTarget, migrateToLatest } from '../../adapters/db/connection';
import { withDatabase } from '../context';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply the database migrations (the worker also does at start)')
    .action(() =>
      withDatabase(async (db) => {
        const applied = await migrateToLatest(db);
        console.log(
          `${describeTarget(loadConfig().database)}: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}`,
        );
      }, 'migrating'),
    );
}
