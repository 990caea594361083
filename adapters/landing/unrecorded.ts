/**
 * Objects in the landing store that no batch recorded: a landing puts the answer and its Parquet
 * files before the transaction that records them, so a worker that dies in between (or a body
 * forgotten because it was cut short) leaves objects nothing reads. Found by listing the landing's
 * two kinds of objects (`raw/`, `landing/`) and looking each key up in `raw_bodies`,
 * `fetch_batches.raw_key` and `landed_files`. Only objects written before a grace period are
 * candidates, so a landing in flight (put, not yet committed) is never touched; a new kind of
 * object the landing writes needs its prefix and its record added here.
 */
import type { Knex } from 'knex';
import type { ListedObject, ObjectStore } from '../objectStore/types';

/** Where the landing writes: answers, Parquet files (core/landingKeys.ts) and version runs. */
export const LANDING_PREFIXES = ['raw/', 'landing/', 'versions/'] as const;

/**
 * How old an unrecorded object must be to be removed (hours): far longer than a landing between its
 * first put and its commit, and than Temporal's retries of a fetch that died in between.
 */
export const UNRECORDED_GRACE_HOURS = 24;

/** Keys looked up in PostgreSQL at once. */
const CHUNK = 1_000;

/**
 * The landing store's objects written before `writtenBefore` that no batch recorded, in key order.
 * Reads the whole listing of the prefixes (one LIST page per 1,000 objects) and one query per
 * 1,000 keys. Throws the store's or the database's errors.
 */
export async function findUnrecorded(
  db: Knex,
  store: ObjectStore,
  writtenBefore: Date,
): Promise<ListedObject[]> {
  const unrecorded: ListedObject[] = [];
  let pending: ListedObject[] = [];
  const flush = async () => {
    unrecorded.push(...(await stillUnrecorded(db, pending)));
    pending = [];
  };
  for (const prefix of LANDING_PREFIXES) {
    for await (const object of store.list(prefix)) {
      if (object.writtenAt.getTime() >= writtenBefore.getTime()) continue;
      pending.push(object);
      if (pending.length >= CHUNK) await flush();
    }
  }
  await flush();
  return unrecorded;
}

/**
 * Deletes them. Each chunk is looked up once more just before its deletes: a retry that lands an
 * old answer again (its put finds the object in place) records it without writing it anew.
 * Returns the objects deleted.
 */
export async function removeUnrecorded(
  db: Knex,
  store: ObjectStore,
  writtenBefore: Date,
): Promise<ListedObject[]> {
  const found = await findUnrecorded(db, store, writtenBefore);
  const removed: ListedObject[] = [];
  for (let i = 0; i < found.length; i += CHUNK) {
    for (const object of await stillUnrecorded(db, found.slice(i, i + CHUNK))) {
      await store.delete(object.key);
      removed.push(object);
    }
  }
  return removed;
}

/** Those of `objects` (at most CHUNK) that no batch records. */
async function stillUnrecorded(db: Knex, objects: readonly ListedObject[]): Promise<ListedObject[]> {
  if (objects.length === 0) return [];
  const keys = objects.map((o) => o.key);
  const rows = (await db
    .select('object_key as key')
    .from('raw_bodies')
    .whereIn('object_key', keys)
    .union([
      db.select('raw_key as key').from('fetch_batches').whereIn('raw_key', keys),
      db.select('object_key as key').from('landed_files').whereIn('object_key', keys),
      db.select('object_key as key').from('version_runs').whereIn('object_key', keys),
    ])) as { key: string }[];
  const recorded = new Set(rows.map((row) => row.key));
  return objects.filter((o) => !recorded.has(o.key));
}
