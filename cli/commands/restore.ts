/** `tempctl restore`: rebuild an empty database (and its landed objects) from hour backups. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { BackupStore } from '../../adapters/backup/store';
import { restoreFromBackups } from '../../adapters/db/restore';
import { LANDING_STORE, openObjectStore } from '../../adapters/objectStore';
import { usePageCacheTuning } from '../../adapters/files/pageCache';
import { parseHour } from '../../core/importHour';
import { withDatabase } from '../context';

export function registerRestoreCommand(program: Command): void {
  program
    .command('restore')
    .description(
      'rebuild the tables from hour backups into an empty database (refuses a backup that fails verification)',
    )
    .requiredOption(
      '--from <location>',
      'the backup folder or s3://bucket/prefix (BACKUP_DIR of the lost database)',
    )
    .option('--store-id <uuid>', 'which database to restore when several were backed up there')
    .option('--from-hour <hour>', 'first hour to restore')
    .option('--to-hour <hour>', 'last hour to restore')
    .action(async (options: { from: string; storeId?: string; fromHour?: string; toHour?: string }) => {
      const config = loadConfig();
      usePageCacheTuning(config.pipeline.pageCacheTuning);
      const store = new BackupStore(
        openObjectStore(options.from, config.s3, { component: 'backup-store', setting: '--from' }),
      );
      // Landed objects go back into LANDING_STORE_URL, under the lost database's store id.
      const landing = openObjectStore(config.landingStoreUrl, config.s3, LANDING_STORE);
      const report = await withDatabase((db) =>
        restoreFromBackups(db, store, {
          storeId: options.storeId,
          landing,
          from: options.fromHour === undefined ? undefined : parseHour(options.fromHour),
          to: options.toHour === undefined ? undefined : parseHour(options.toHour),
        }),
      );
      console.log(
        `restored store ${report.storeId}, ${report.hours.length} hour(s): ${report.hours[0]} … ${report.hours[report.hours.length - 1]}, ${report.objects} landed object(s)`,
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
