/** `tempctl migrate` and `tempctl query three-hours-before`. */
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { loadConfig } from '../../config';
import {
  createDatabase,
  databaseFailure,
  describeTarget,
  isDatabaseDriverError,
  migrateToLatest,
} from '../../adapters/db/connection';
import { threeHoursBefore } from '../../adapters/db/queries';
import { formatHour, parseHour } from '../../core/importHour';
import { round, table } from '../format';

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

export function printThreeHoursBefore(rows: Awaited<ReturnType<typeof threeHoursBefore>>): void {
  console.log(
    table(
      ['Region', 'Hour', 'Temperature', 'Temperature3HoursBefore'],
      rows.map((r) => [r.region, formatHour(r.hour), round(r.temperature), round(r.temperature3HoursBefore)]),
    ),
  );
}

export function registerDatabaseCommands(program: Command): void {
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
