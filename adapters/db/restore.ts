/**
 * Rebuilds the tables from hour backups into an empty database. Every backup is verified before
 * anything is written, and everything is written in one transaction: a restore is all or nothing.
 */
import type { Knex } from 'knex';
import { BackupError } from '../../core/errors';
import type { LocalBackupStore } from '../backup/store';
import { migrateToLatest } from './connection';

/** Tables in the order their foreign keys need; reading_regions is derived and rebuilt by a rerun. */
const RESTORE_ORDER = [
  'fetch_batches',
  'landed_files',
  'readings',
  'quarantine',
  'import_runs',
  'region_hourly_temperature',
] as const;
/** jsonb columns; in a backup, a JSON null in a NOT NULL column (a quarantined `null` record) is the value itself. */
const NOT_NULL_JSON = new Set(['raw', 'reasons']);
const JSON_COLUMNS: Record<string, string[]> = {
  fetch_batches: ['summary'],
  readings: ['raw'],
  quarantine: ['raw', 'reasons'],
  import_runs: ['report'],
};
const SERIAL_KEYS: Record<string, string> = {
  fetch_batches: 'batch_id',
  landed_files: 'file_id',
  readings: 'row_id',
  quarantine: 'quarantine_id',
};
const CHUNK = 1_000;

export interface RestoreReport {
  hours: string[];
  rows: Record<string, number>;
}

/** Backup folders (named like 2026-11-27T140000Z) within an hour range, both ends included. */
export function foldersInRange(folders: readonly string[], from?: Date, to?: Date): string[] {
  return folders.filter((folder) => {
    const hour = new Date(folder.replace(/T(\d{2})(\d{2})(\d{2})Z$/, 'T$1:$2:$3Z'));
    return (from === undefined || hour >= from) && (to === undefined || hour <= to);
  });
}

export async function verifyBackups(store: LocalBackupStore, folders: readonly string[]) {
  const verified = [];
  for (const folder of folders) verified.push({ folder, ...(await store.readVerified(folder)) });
  return verified;
}

export async function restoreFromBackups(
  db: Knex,
  store: LocalBackupStore,
  range: { from?: Date; to?: Date } = {},
): Promise<RestoreReport> {
  const folders = foldersInRange(await store.listHours(), range.from, range.to);
  if (folders.length === 0) throw new BackupError(`no hour backup in ${store.root} for that range`);
  const verified = await verifyBackups(store, folders);

  await migrateToLatest(db);
  for (const table of RESTORE_ORDER) {
    const existing = (await db(table).count({ n: '*' }).first()) as { n: number | string };
    if (Number(existing.n) > 0) {
      throw new BackupError(`restore needs an empty database: ${table} already holds ${existing.n} rows`);
    }
  }

  const rows: Record<string, number> = {};
  await db.transaction(async (trx) => {
    for (const table of RESTORE_ORDER) {
      const all = verified.flatMap(({ tables }) => (tables.get(table) ?? []) as Record<string, unknown>[]);
      const prepared = all.map((row) => encodeJson(table, row));
      for (let i = 0; i < prepared.length; i += CHUNK) await trx(table).insert(prepared.slice(i, i + CHUNK));
      rows[table] = prepared.length;
      const key = SERIAL_KEYS[table];
      if (key && prepared.length > 0) {
        // The rows keep their ids; the sequence must continue after them.
        await trx.raw(`SELECT setval(pg_get_serial_sequence(?, ?), (SELECT max(??) FROM ??))`, [
          table,
          key,
          key,
          table,
        ]);
      }
    }
  });
  return { hours: verified.map((v) => v.manifest.hour), rows };
}

function encodeJson(table: string, row: Record<string, unknown>): Record<string, unknown> {
  const encoded = { ...row };
  for (const column of JSON_COLUMNS[table] ?? []) {
    const value = encoded[column];
    if (NOT_NULL_JSON.has(column) || (value !== undefined && value !== null)) {
      encoded[column] = JSON.stringify(value ?? null);
    }
  }
  return encoded;
}
