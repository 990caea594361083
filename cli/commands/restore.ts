/** `tempctl restore`: rebuild an empty database from hour backups. */
import path from 'node:path';
import type { Command } from 'commander';
import { LocalBackupStore } from '../../adapters/backup/store';
import { restoreFromBackups } from '../../adapters/db/restore';
import { parseHour } from '../../core/importHour';
import { withDatabase } from '../context';

export function registerRestoreCommand(program: Command): void {
  program
    .command('restore')
    .description(
      'rebuild the tables from hour backups into an empty database (refuses a backup that fails verification)',
    )
    .requiredOption('--from <folder>', 'the backup folder (BACKUP_DIR of the lost database)')
    .option('--from-hour <hour>', 'first hour to restore')
    .option('--to-hour <hour>', 'last hour to restore')
    .action(async (options: { from: string; fromHour?: string; toHour?: string }) => {
      const store = new LocalBackupStore(path.resolve(options.from));
      const report = await withDatabase((db) =>
        restoreFromBackups(db, store, {
          from: options.fromHour === undefined ? undefined : parseHour(options.fromHour),
          to: options.toHour === undefined ? undefined : parseHour(options.toHour),
        }),
      );
      console.log(
        `restored ${report.hours.length} hour(s): ${report.hours[0]} … ${report.hours[report.hours.length - 1]}`,
      );
      console.log(
        Object.entries(report.rows)
          .map(([table, n]) => `${table} ${n}`)
          .join(', '),
      );
      console.log(
        'region assignments are derived: `tempctl backfill --only all` recomputes them when needed',
      );
    });
}
