/**
 * backupHour: the hour's small tables streamed into BACKUP_DIR, and its landed objects (Parquet
 * files, raw answers) copied with their checksums verified (adapters/backup/store.ts).
 * backupObjects: the copying alone, which the workflow starts as soon as the hour is landed, so
 * that the large copies run while the hour is computed; backupHour then finds them in place.
 */
import { backupTablesForHour, landedObjectsForHour } from '../adapters/db/backupTables';
import { storeId } from '../adapters/db/storeIdentity';
import type { BackupSummary } from './types';
import type { ActivityDeps } from './deps';
import { withHeartbeat } from './heartbeat';

export function createBackupActivities(deps: ActivityDeps) {
  async function backupHour(input: { hour: string }): Promise<BackupSummary> {
    const hour = new Date(input.hour);
    return withHeartbeat(`backup ${input.hour}`, async () => {
      const { manifest, ref } = await deps.backupStore.writeHour(
        await storeId(deps.db),
        hour,
        {
          tables: backupTablesForHour(deps.db, hour),
          objects: await landedObjectsForHour(deps.db, hour),
          landing: deps.landingStore,
        },
        deps.now(),
      );
      return {
        folder: `${deps.backupStore.url.replace(/\/?$/, '/')}${ref.generation}`,
        files: manifest.tables.map(({ name, rows }) => ({ name, rows })),
      };
    });
  }
  async function backupObjects(input: { hour: string }): Promise<{ objects: number }> {
    const hour = new Date(input.hour);
    return withHeartbeat(`backup objects ${input.hour}`, async () => ({
      objects: await deps.backupStore.copyObjects(
        await storeId(deps.db),
        await landedObjectsForHour(deps.db, hour),
        deps.landingStore,
      ),
    }));
  }

  return { backupHour, backupObjects };
}
