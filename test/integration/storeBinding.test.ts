/**
 * A store is bound to its database: two databases pointed at one folder and at one bucket write
 * the same keys with different bytes, and each sees only its own objects, unchanged.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { migrateToLatest } from '../../adapters/db/connection';
import { bindObjectStore, storeId, storeKeyPrefix } from '../../adapters/db/storeIdentity';
import { LocalObjectStore, openObjectStore } from '../../adapters/objectStore';
import type { ObjectStore } from '../../adapters/objectStore/types';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from '../support/databases';
import { readAll } from '../support/objectStoreContract';
import { newS3StoreUrl, testS3 } from '../support/s3';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let staging: TestDatabase;
let production: TestDatabase;
let scratch: string;

beforeAll(async () => {
  [staging, production] = await Promise.all([createPostgresDatabase(), createPgliteDatabase()]);
  await Promise.all([migrateToLatest(staging.db), migrateToLatest(production.db)]);
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-binding-'));
});
afterAll(async () => {
  await Promise.all([staging.drop(), production.drop()]);
  await fs.rm(scratch, { recursive: true, force: true });
});

test('each database has its own random store id, kept across migrations', async () => {
  const [a, b] = [await storeId(staging.db), await storeId(production.db)];
  expect(a).toMatch(UUID);
  expect(b).toMatch(UUID);
  expect(a).not.toBe(b);
  await migrateToLatest(staging.db);
  expect(await storeId(staging.db)).toBe(a);
  expect(await storeKeyPrefix(staging.db)).toBe(`${a}/`);
  await expect(staging.db('store_identity').insert({ store_id: b })).rejects.toThrow();
});

async function listAll(store: ObjectStore, prefix = ''): Promise<string[]> {
  const keys = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  return keys;
}

test.each([
  ['one folder', async () => new LocalObjectStore(await fs.mkdtemp(path.join(scratch, 'shared-')))],
  ['one bucket', () => Promise.resolve(openObjectStore(newS3StoreUrl(), testS3().s3))],
])('two databases sharing %s never see nor overwrite each other’s files', async (_label, open) => {
  const shared = await open();
  const stagingStore = await bindObjectStore(staging.db, shared);
  const productionStore = await bindObjectStore(production.db, shared);
  const key = 'landing/source=partner-api/import_hour=2026-11-27T14:00:00Z/bucket=00/part-0.parquet';
  const stagingFile = path.join(scratch, 'staging.bin');
  const productionFile = path.join(scratch, 'production.bin');
  await fs.writeFile(stagingFile, 'staging bytes');
  await fs.writeFile(productionFile, 'production bytes, longer');

  // The same key, other bytes: neither write is refused, because they are not the same object.
  expect((await stagingStore.putFile(key, stagingFile)).key).toBe(key);
  expect((await productionStore.putFile(key, productionFile)).key).toBe(key);

  expect((await readAll(await stagingStore.openRead(key))).toString()).toBe('staging bytes');
  expect((await readAll(await productionStore.openRead(key))).toString()).toBe('production bytes, longer');
  expect(await listAll(stagingStore)).toEqual([key]);
  expect(await listAll(productionStore, 'landing/')).toEqual([key]);
  expect(await stagingStore.stat(key)).toEqual({ bytes: 'staging bytes'.length });

  // Underneath, each object sits under its database's store id.
  const ids = [await storeId(staging.db), await storeId(production.db)];
  expect((await listAll(shared)).sort()).toEqual(ids.map((id) => `${id}/${key}`).sort());
});
