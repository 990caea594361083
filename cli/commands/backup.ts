/** `tempctl backup verify`: check the hour backups, in a folder or an S3-compatible bucket. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { BackupStore } from '../../adapters/backup/store';
import { hoursInRange, pickStoreId } from '../../adapters/db/restore';
import { BACKUP_STORE, openObjectStore } from '../../adapters/objectStore';
import { parseHour } from '../../core/importHour';

export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('hour backups');
  backup
    .command('verify')
    .description(
      'check every hour backup: each file present, size, sha256, row count, and each copied object',
    )
    .option('--dir <location>', 'backup folder or s3://bucket/prefix (default BACKUP_DIR)')
    .option(
      '--store-id <uuid>',
      'only the backups of this database (default: every database backed up there)',
    )
    .option('--from <hour>', 'first hour')
    .option('--to <hour>', 'last hour')
    .action(async (options: { dir?: string; storeId?: string; from?: string; to?: string }) => {
      const config = loadConfig();
      const store = new BackupStore(
        openObjectStore(
          options.dir ?? config.backupDir,
          config.s3,
          options.dir === undefined ? BACKUP_STORE : { component: 'backup-store', setting: '--dir' },
        ),
      );
      const ids =
        options.storeId === undefined ? await store.storeIds() : [await pickStoreId(store, options.storeId)];
      let checked = 0;
      let failures = 0;
      for (const id of ids) {
        const refs = hoursInRange(
          await store.listHours(id),
          options.from === undefined ? undefined : parseHour(options.from),
          options.to === undefined ? undefined : parseHour(options.to),
        );
        for (const ref of refs) {
          checked += 1;
          try {
            const manifest = await store.verify(ref);
            const tables = manifest.tables.map((t) => `${t.name} ${t.rows}`).join(', ');
            console.log(`OK    ${manifest.hour}  ${tables}, objects ${manifest.objects.length}`);
          } catch (error) {
            failures += 1;
            console.log(`FAIL  ${ref.folder}  ${(error as Error).message}`);
          }
        }
      }
      console.log(`${checked - failures} verified, ${failures} failed`);
      if (checked === 0) throw new Error(`no hour backup found in ${store.url} for that range`);
      if (failures > 0) throw new Error(`${failures} backup(s) failed verification`);
    });
}
