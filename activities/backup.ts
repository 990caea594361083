/**
 * backupHour: the hour's small tables streamed into BACKUP_DIR, and its landed objects (Parquet
 * files, raw answers) copied with their checksums verified (adapters/backup/store.ts).
 * backupObjects: the copying alone, which the workflow starts as soon as the hour is landed, so
 * that the large copies run while the hour is computed; backupHour then finds them in place.
 * With `corrected`, backupHour's backup also holds those hours' aggregates as they are now: a
 * correction's hour is restored from the newest backup that holds it (adapters/db/restore.ts).
 * backupHours: backupHour for the hours a batch corrected, in one activity (the runs started before).
 */
import pLimit from 'p-limit';
import { backupTablesForHour, landedObjectsForHour } from '../adapters/db/backupTables';
import { storeId } from '../adapters/db/storeIdentity';
import type { BackupSummary } from './types';
import type { ActivityDeps } from './deps';
import { withHeartbeat } from './heartbeat';

/** Hours backed up at once by `backupHours`: each is a few small files and the objects' checks. */
const HOURS_AT_ONCE = 4;

export function createBackupActivities(deps: ActivityDeps) {
  async function writeHour(hour: Date, corrected: readonly Date[] = []): Promise<BackupSummary> {
    const { manifest, ref } = await deps.backupStore.writeHour(
      await storeId(deps.db),
      hour,
      {
        tables: backupTablesForHour(deps.db, hour, corrected),
        correctedHours: corrected,
        objects: await landedObjectsForHour(deps.db, hour),
        landing: deps.landingStore,
      },
      deps.now(),
    );
    return {
      folder: `${deps.backupStore.url.replace(/\/?$/, '/')}${ref.generation}`,
      files: manifest.tables.map(({ name, rows }) => ({ name, rows })),
    };
  }
  /** `corrected`: ISO hours the import hour's batches corrected (the import hour left out). */
  async function backupHour(input: { hour: string; corrected?: string[] }): Promise<BackupSummary> {
    const corrected = (input.corrected ?? []).map((hour) => new Date(hour));
    return withHeartbeat(`backup ${input.hour}`, () => writeHour(new Date(input.hour), corrected));
  }
  /**
   * `backupHour` for each of the hours a batch corrected, in one activity, HOURS_AT_ONCE at a time.
   * Their objects were copied when they were landed; an object missing from the backup is copied
   * here. The first failure fails the activity (a retry writes new generations of every hour).
   */
  async function backupHours(input: { hours: string[] }): Promise<{ hours: number }> {
    const limit = pLimit(HOURS_AT_ONCE);
    return withHeartbeat(`backup ${input.hours.length} corrected hours`, async () => {
      await Promise.all(input.hours.map((hour) => limit(() => writeHour(new Date(hour)))));
      return { hours: input.hours.length };
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

  return { backupHour, backupHours, backupObjects };
}
