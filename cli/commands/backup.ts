/** `tempctl backup verify`: check the hour backups. */
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { LocalBackupStore } from '../../adapters/backup/store';
import { foldersInRange } from '../../adapters/db/restore';
import { parseHour } from '../../core/importHour';

export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('hour backups');
  backup
    .command('verify')
    .description('check every backup manifest: each file present, size, sha256, row count')
    .option('--dir <folder>', 'backup folder (default BACKUP_DIR)')
    .option('--from <hour>', 'first hour')
    .option('--to <hour>', 'last hour')
    .action(async (options: { dir?: string; from?: string; to?: string }) => {
      const store = new LocalBackupStore(path.resolve(options.dir ?? loadConfig().backupDir));
      const folders = foldersInRange(
        await store.listHours(),
        options.from === undefined ? undefined : parseHour(options.from),
        options.to === undefined ? undefined : parseHour(options.to),
      );
      let failures = 0;
      for (const folder of folders) {
        try {
          const { manifest } = await store.readVerified(folder);
          console.log(
            `OK    ${manifest.hour}  ${manifest.files.map((f) => `${f.name.split('.')[0]} ${f.rows}`).join(', ')}`,
          );
        } catch (error) {
          failures += 1;
          console.log(`FAIL  ${folder}  ${(error as Error).message}`);
        }
      }
      console.log(`${folders.length - failures} verified, ${failures} failed`);
      if (folders.length === 0) throw new Error(`no hour backup found in ${store.root} for that range`);
      if (failures > 0) throw new Error(`${failures} backup(s) failed verification`);
    });
}
