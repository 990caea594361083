/** The rows that make up one hour's backup, and how to put them back. */
import type { Knex } from 'knex';
import type { BackupTable } from '../backup/store';

/**
 * Everything landed in the hour (batches, every version of every reading, quarantine), its
 * aggregates and its run ledger: enough to rebuild the hour's tables with no call to a source.
 */
export async function backupTablesForHour(db: Knex, hour: Date): Promise<BackupTable[]> {
  const byImportHour = (table: string, order: string) =>
    db(table).where('import_hour', hour).orderBy(order) as Promise<object[]>;
  return [
    { name: 'fetch_batches', rows: await byImportHour('fetch_batches', 'batch_id') },
    { name: 'readings', rows: await byImportHour('readings', 'row_id') },
    { name: 'quarantine', rows: await byImportHour('quarantine', 'quarantine_id') },
    { name: 'import_runs', rows: await byImportHour('import_runs', 'started_at') },
    {
      name: 'region_hourly_temperature',
      rows: (await db('region_hourly_temperature').where('hour', hour).orderBy('region')) as object[],
    },
  ];
}
