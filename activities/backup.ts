/** backupHour: the hour's small tables into BACKUP_DIR (the landed files stay in the landing store). */
import { backupTablesForHour } from '../adapters/db/backupTables';
import type { BackupSummary } from './types';
import type { ActivityDeps } from './deps';

export function createBackupActivities(deps: ActivityDeps) {
  async function backupHour(input: { hour: string }): Promise<BackupSummary> {
    const hour = new Date(input.hour);
    const manifest = await deps.backupStore.writeHour(
      hour,
      await backupTablesForHour(deps.db, hour),
      deps.now(),
    );
    return {
      folder: deps.backupStore.hourDir(hour),
      files: manifest.files.map(({ name, rows }) => ({ name, rows })),
    };
  }
  return { backupHour };
}
