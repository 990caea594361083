/**
 * A backup to a SeaweedFS bucket restores a lost database and its landed objects: a database's
 * hour (its aggregates and two landed objects) is backed up with backupTablesForHour, then
 * restored into a new, empty database and an empty landing bucket prefix. The new database takes
 * the lost one's store id, and through it finds the same bytes under the same keys.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BackupStore } from '../../adapters/backup/store';
import { backupTablesForHour } from '../../adapters/db/backupTables';
import { migrateToLatest } from '../../adapters/db/connection';
import { restoreFromBackups } from '../../adapters/db/restore';
import { bindObjectStore, storeId } from '../../adapters/db/storeIdentity';
import { openObjectStore } from '../../adapters/objectStore';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from '../support/databases';
import { readAll, sha256 } from '../support/objectStoreContract';
import { newS3StoreUrl, testS3 } from '../support/s3';

const HOUR = new Date('2026-11-27T14:00:00Z');
let lost: TestDatabase;
let fresh: TestDatabase;
let scratch: string;

beforeAll(async () => {
  [lost, fresh] = await Promise.all([createPostgresDatabase(), createPgliteDatabase()]);
  await migrateToLatest(lost.db);
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-restore-s3-'));
});
afterAll(async () => {
  await Promise.all([lost.drop(), fresh.drop()]);
  await fs.rm(scratch, { recursive: true, force: true });
});

test('backup to S3 → restore into an empty database and an empty landing store → same rows, same objects', async () => {
  const { s3 } = testS3();
  const landingUrl = newS3StoreUrl();
  const landing = await bindObjectStore(lost.db, openObjectStore(landingUrl, s3));
  const backup = new BackupStore(openObjectStore(newS3StoreUrl(), s3), scratch);

  const aggregates = [
    { hour: HOUR, region: 'Bretagne', temperature: 7.25, numberOfPoints: 3 },
    { hour: HOUR, region: 'Occitanie', temperature: 12.5, numberOfPoints: 2 },
  ];
  await lost.db('region_hourly_temperature').insert(aggregates);
  const objects = [];
  for (const name of ['raw/answer.json', 'bucket=00/part-0.parquet']) {
    const bytes = randomBytes(100_000);
    const file = path.join(scratch, name.replace(/\W/g, '_'));
    await fs.writeFile(file, bytes);
    const key = `landing/import_hour=2026-11-27T14:00:00Z/${name}`;
    await landing.putFile(key, file);
    objects.push({ key, sha256: sha256(bytes), bytes });
  }
  const id = await storeId(lost.db);
  await backup.writeHour(
    id,
    HOUR,
    { tables: backupTablesForHour(lost.db, HOUR), objects, landing },
    new Date(),
  );

  // The restore goes to a new database, and to a landing store where nothing of that id exists yet.
  const restoredLanding = openObjectStore(newS3StoreUrl(), s3);
  const report = await restoreFromBackups(fresh.db, backup, { landing: restoredLanding });
  expect(report).toMatchObject({ storeId: id, hours: ['2026-11-27T14:00:00Z'], objects: 2 });
  expect(report.rows.region_hourly_temperature).toBe(2);
  expect(await storeId(fresh.db)).toBe(id);
  const rows = async (db: TestDatabase) =>
    db.db('region_hourly_temperature').orderBy('region').select('region', 'temperature', 'numberOfPoints');
  expect(await rows(fresh)).toEqual(await rows(lost));
  const bound = await bindObjectStore(fresh.db, restoredLanding);
  for (const object of objects) {
    expect((await readAll(await bound.openRead(object.key))).equals(object.bytes)).toBe(true);
  }
});
