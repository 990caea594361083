/**
 * The binding of object stores to their database (migration 004): the store id, and views of a
 * store under `<store id>/`, the only way the pipeline should reach the landing store.
 */
import type { Knex } from 'knex';
import { PrefixedObjectStore } from '../objectStore/prefixed';
import type { ObjectStore } from '../objectStore/types';

/** The database's store id (a uuid). Throws when the database is not migrated to 004. */
export async function storeId(db: Knex): Promise<string> {
  const row = (await db('store_identity').first('store_id')) as { store_id: string } | undefined;
  if (row === undefined) throw new Error('store_identity is empty: run `tempctl migrate`');
  return row.store_id;
}

/** `<store id>/`: the key prefix of everything this database writes to a shared store. */
export async function storeKeyPrefix(db: Knex): Promise<string> {
  return `${await storeId(db)}/`;
}

/** `store` seen from this database: keys are relative to `<store id>/`, other databases' objects out of reach. */
export async function bindObjectStore(db: Knex, store: ObjectStore): Promise<ObjectStore> {
  return new PrefixedObjectStore(store, await storeKeyPrefix(db));
}
