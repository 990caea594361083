/** The rows that make up one hour's backup, read in batches so that no hour is held whole. */
import type { Knex } from 'knex';
import type { BackupTable } from '../backup/store';

/** Rows per query: small enough for flat memory, large enough that a million rows take 200 queries. */
const BATCH = 5_000;

/**
 * The rows of `table` matching `where`, in `key` order, fetched BATCH at a time by keyset
 * pagination (`key > last`), which works the same on PostgreSQL and PGlite, unlike a server cursor.
 * `key` must be unique within the rows matched.
 */
export async function* rowsInBatches(
  db: Knex,
  table: string,
  where: Record<string, unknown>,
  key: string,
  batch = BATCH,
): AsyncGenerator<object> {
  let last: unknown;
  for (;;) {
    const query = db(table).where(where).orderBy(key).limit(batch);
    if (last !== undefined) void query.andWhere(key, '>', last as Knex.Value);
    const rows = (await query) as Record<string, unknown>[];
    yield* rows;
    if (rows.length < batch) return;
    last = rows[rows.length - 1]?.[key];
  }
}

/**
 * Everything landed in the hour (batches, every version of every reading, quarantine), its
 * aggregates and its run ledger: enough to rebuild the hour's tables with no call to a source.
 * Listed in the order a restore inserts them (foreign keys first).
 */
export function backupTablesForHour(db: Knex, hour: Date): BackupTable[] {
  const byImportHour = (name: string, key: string): BackupTable => ({
    name,
    rows: rowsInBatches(db, name, { import_hour: hour }, key),
  });
  return [
    byImportHour('fetch_batches', 'batch_id'),
    byImportHour('readings', 'row_id'),
    byImportHour('quarantine', 'quarantine_id'),
    byImportHour('import_runs', 'run_id'),
    {
      name: 'region_hourly_temperature',
      rows: rowsInBatches(db, 'region_hourly_temperature', { hour }, 'region'),
    },
  ];
}
