/** The rows that make up one hour's backup, and how to put them back. */
import type { Knex } from 'knex';
import type { BackupTable } from '../backup/store';

/**
 * The hour's small tables: its batches with their landed files (keys, rows, sha256: the files
 * themselves are immutable in the landing store), versions landed before the columnar landing
 * (`readings`, empty for newer hours), the quarantine, its aggregates and its run ledger.
 */
export async function backupTablesForHour(db: Knex, hour: Date): Promise<BackupTable[]> {
  const byImportHour = (table: string, order: string) =>
    db(table).where('import_hour', hour).orderBy(order) as Promise<object[]>;
  return [
    { name: 'fetch_batches', rows: await byImportHour('fetch_batches', 'batch_id') },
    {
      name: 'landed_files',
      rows: (await db('landed_files')
        .whereIn('batch_id', db('fetch_batches').where('import_hour', hour).select('batch_id'))
        .orderBy('file_id')) as object[],
    },
    { name: 'readings', rows: await byImportHour('readings', 'row_id') },
    { name: 'quarantine', rows: await byImportHour('quarantine', 'quarantine_id') },
    { name: 'import_runs', rows: await byImportHour('import_runs', 'started_at') },
    {
      name: 'region_hourly_temperature',
      rows: (await db('region_hourly_temperature').where('hour', hour).orderBy('region')) as object[],
    },
  ];
}
