/**
 * Rebuilds the tables from hour backups into an empty database, and the landed objects into the
 * landing store. Every backup is verified (streamed) before anything is written; the rows go in
 * through one transaction, streamed from the files in batches, and each file is checked again as
 * it ends, so a file damaged meanwhile rolls the whole restore back: all or nothing.
 */
import type { Knex } from 'knex';
import { BackupError } from '../../core/errors';
import { hourOfFolder, type BackupStore, type HourBackupRef, type HourManifest } from '../backup/store';
import { PrefixedObjectStore } from '../objectStore/prefixed';
import type { ObjectStore } from '../objectStore/types';
import { migrateToLatest } from './connection';
import { insertInChunks } from './insertChunks';
import { AGGREGATES_TABLE as AGGREGATES, CORRECTED_AGGREGATES } from './backupTables';
import { supersedes, type AggregateSnapshot } from '../../core/aggregateSnapshot';
import { formatHour } from '../../core/importHour';

type Row = Record<string, unknown>;

export interface RestoreReport {
  storeId: string;
  hours: string[];
  rows: Record<string, number>;
  objects: number;
}

/** Backed-up hours within a range, both ends included. */
export function hoursInRange(refs: readonly HourBackupRef[], from?: Date, to?: Date): HourBackupRef[] {
  return refs.filter(({ folder }) => {
    const hour = hourOfFolder(folder);
    return (from === undefined || hour >= from) && (to === undefined || hour <= to);
  });
}

/** The store id to read: the one given, else the only one in the backup store. */
export async function pickStoreId(backup: BackupStore, given?: string): Promise<string> {
  const ids = await backup.storeIds();
  if (given !== undefined) {
    if (!ids.includes(given)) throw new BackupError(`no backup of store ${given} in ${backup.url}`);
    return given;
  }
  if (ids.length === 1 && ids[0]) return ids[0];
  if (ids.length === 0) throw new BackupError(`no hour backup in ${backup.url}`);
  throw new BackupError(
    `${backup.url} holds the backups of ${ids.length} databases (${ids.join(', ')}): name one with --store-id`,
  );
}

export async function restoreFromBackups(
  db: Knex,
  backup: BackupStore,
  options: { from?: Date; to?: Date; storeId?: string; landing?: ObjectStore } = {},
): Promise<RestoreReport> {
  const storeId = await pickStoreId(backup, options.storeId);
  const refs = hoursInRange(await backup.listHours(storeId), options.from, options.to);
  if (refs.length === 0) throw new BackupError(`no hour backup in ${backup.url} for that range`);
  const verified: { ref: HourBackupRef; manifest: HourManifest }[] = [];
  for (const ref of refs) verified.push({ ref, manifest: await backup.verify(ref) });

  await migrateToLatest(db);
  // Tables in the order the backups list them (the writer puts foreign keys first).
  const tables = [...new Set(verified.flatMap(({ manifest }) => manifest.tables.map((t) => t.name)))].filter(
    (name) => name !== CORRECTED_AGGREGATES,
  );
  for (const table of tables) {
    const existing = (await db(table).count({ n: '*' }).first()) as { n: number | string };
    if (Number(existing.n) > 0) {
      throw new BackupError(`restore needs an empty database: ${table} already holds ${existing.n} rows`);
    }
  }

  const withObjects = verified.filter(({ manifest }) => manifest.objects.length > 0);
  if (withObjects.length > 0 && !options.landing)
    throw new BackupError('the backups hold landed objects: a landing store to restore them into is needed');
  let objects = 0;
  if (options.landing) {
    // The restored database takes the lost one's store id, so its keys find their objects.
    const landing = new PrefixedObjectStore(options.landing, `${storeId}/`);
    for (const { ref, manifest } of withObjects)
      objects += await backup.restoreObjects(ref, manifest, landing);
  }

  const rows: Record<string, number> = {};
  await db.transaction(async (trx) => {
    await trx('store_identity').update({ store_id: storeId });
    for (const table of tables) {
      const columns = await columnsOf(trx, table);
      let count = 0;
      if (table === AGGREGATES) {
        count = await insertInChunks(
          trx,
          table,
          encodedRows(await newestAggregates(backup, verified), columns),
        );
      } else {
        for (const { ref, manifest } of verified) {
          count += await insertInChunks(
            trx,
            table,
            encodedRows(backup.readTable(ref, manifest, table), columns),
          );
        }
      }
      rows[table] = count;
      // The rows keep their ids; each serial sequence must continue after them.
      for (const serial of columns.serial) {
        if (count === 0) continue;
        await trx.raw(`SELECT setval(pg_get_serial_sequence(?, ?), (SELECT max(??) FROM ??))`, [
          table,
          serial,
          serial,
          table,
        ]);
      }
    }
  });
  return { storeId, hours: verified.map((v) => v.manifest.hour), rows, objects };
}

/**
 * Each restored hour's aggregates from the newest backup holding them: its own, or that of a later
 * import that corrected it (core/aggregateSnapshot.ts). A few rows an hour, held until inserted.
 */
async function newestAggregates(
  backup: BackupStore,
  verified: readonly { ref: HourBackupRef; manifest: HourManifest }[],
): Promise<Row[]> {
  const restored = new Set(verified.map(({ manifest }) => manifest.hour));
  const newest = new Map<string, AggregateSnapshot & { rows: Row[] }>();
  const offer = (hour: string, snapshot: AggregateSnapshot & { rows: Row[] }) => {
    if (restored.has(hour) && supersedes(snapshot, newest.get(hour))) newest.set(hour, snapshot);
  };
  for (const { ref, manifest } of verified) {
    // A table the backup lacks reads as no rows.
    const rowsOf = (name: string) => backup.readTable(ref, manifest, name);
    const own: Row[] = [];
    for await (const row of rowsOf(AGGREGATES)) own.push(row);
    offer(manifest.hour, { createdAt: manifest.createdAt, own: true, rows: own });
    const corrected = new Map((manifest.correctedHours ?? []).map((hour): [string, Row[]] => [hour, []]));
    for await (const row of rowsOf(CORRECTED_AGGREGATES))
      corrected.get(formatHour(new Date(String(row.hour))))?.push(row);
    for (const [hour, rows] of corrected) offer(hour, { createdAt: manifest.createdAt, own: false, rows });
  }
  return [...newest.values()].flatMap((snapshot) => snapshot.rows);
}

interface Columns {
  /** jsonb/json columns, and whether each is NOT NULL. */
  json: Map<string, boolean>;
  /** Columns filled by a sequence (serial, bigserial). */
  serial: string[];
}

/** Read from the catalog, so tables added by later migrations restore with no list to keep. */
async function columnsOf(db: Knex, table: string): Promise<Columns> {
  const rows = (await db('information_schema.columns')
    .where({ table_schema: 'public', table_name: table })
    .select('column_name', 'data_type', 'is_nullable', 'column_default')) as {
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
  }[];
  return {
    json: new Map(
      rows
        .filter((r) => r.data_type === 'jsonb' || r.data_type === 'json')
        .map((r) => [r.column_name, r.is_nullable === 'NO']),
    ),
    serial: rows.filter((r) => r.column_default?.startsWith('nextval(')).map((r) => r.column_name),
  };
}

/** JSON values as text for the driver; in a NOT NULL JSON column, a JSON null is the value itself. */
async function* encodedRows(
  rows: AsyncIterable<Row> | Iterable<Row>,
  columns: Columns,
): AsyncIterable<Record<string, unknown>> {
  for await (const row of rows) yield encodeJson(columns, row);
}

function encodeJson(columns: Columns, row: Record<string, unknown>): Record<string, unknown> {
  const encoded = { ...row };
  for (const [column, notNull] of columns.json) {
    const value = encoded[column];
    if (notNull || (value !== undefined && value !== null)) encoded[column] = JSON.stringify(value ?? null);
  }
  return encoded;
}
