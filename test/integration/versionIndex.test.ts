/**
 * The version index (docs/versioning.md, "The version index") against the real components: the
 * landing (adapters/landing/) on PostgreSQL with its landing and backup stores on SeaweedFS. A
 * reading landed 160 hours earlier is corrected and the correction counts in that reading's hour;
 * duplicates are found; a refetch's retired batch stops counting; `versions rebuild` makes runs equal,
 * byte for byte, to the ones the landing wrote; a backup restored into a new database and store
 * brings the runs back, checked by `backup verify`, and a lookup on the restored copy finds the
 * versions. Expected counts are spelled out by hand from the records sent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAnalytics, queryRows, sqlPaths, type Analytics } from '../../adapters/analytics/duckdb';
import { BackupStore } from '../../adapters/backup/store';
import { backupTablesForHour, landedObjectsForHour } from '../../adapters/db/backupTables';
import { restoreFromBackups } from '../../adapters/db/restore';
import { bindObjectStore, storeId } from '../../adapters/db/storeIdentity';
import { createLanding, type Landing, type LandingCall } from '../../adapters/landing';
import type { ObjectStore } from '../../adapters/objectStore/types';
import { rebuildVersionRuns } from '../../adapters/versions/rebuild';
import { addHours, truncateToHour } from '../../core/importHour';
import { DEFAULT_LIMITS } from '../../core/reading';
import { generateReadings, type SimReading } from '../../sim/generator';
import { createMigratedDatabase, createPostgresDatabase, type TestDatabase } from '../support/databases';
import { newS3Store } from '../support/s3';

const NOW = truncateToHour(new Date());
const H0 = addHours(NOW, -160);
const H1 = addHours(H0, 1);
const H = NOW;
const call: LandingCall = {
  stage: () => undefined,
  retryOwnSide: (_what, work) => work(),
  warn: () => undefined,
};

let dir: string;
let analytics: Analytics;
const databases: TestDatabase[] = [];
afterAll(async () => {
  analytics?.close();
  for (const database of databases) await database.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function setUp(name: string, landingRaw = newS3Store(), database?: TestDatabase) {
  const db = database ?? (await createMigratedDatabase(createPostgresDatabase));
  if (!database) databases.push(db);
  const landingStore = await bindObjectStore(db.db, landingRaw);
  const backupStore = new BackupStore(newS3Store());
  const scratchDir = path.join(dir, name);
  fs.mkdirSync(scratchDir, { recursive: true });
  const landing = createLanding({
    db: db.db,
    landingStore,
    backupStore,
    analytics,
    limits: DEFAULT_LIMITS,
    correctionHorizonHours: 168,
    buckets: { maxBuckets: 4, readingsPerBucket: 20 },
    scratchDir,
    versionIndex: true,
  });
  return { db: db.db, database: db, landingStore, landingRaw, backupStore, landing, scratchDir };
}

let n = 0;
async function land(
  at: { landing: Landing; scratchDir: string },
  hour: Date,
  records: SimReading[],
  refetch?: string,
) {
  n += 1;
  const workDir = path.join(at.scratchDir, `w${n}`);
  fs.mkdirSync(workDir, { recursive: true });
  const batchKey = `pull:${hour.toISOString()}${refetch === undefined ? '' : `#refetch:${refetch}`}`;
  return at.landing.land(
    { source: 'partner-api', key: null, fetchedAt: new Date(hour.getTime() + 3_600_000 + n * 1000), records },
    {
      source: 'partner-api',
      hour,
      runId: `run-${n}`,
      batchKey,
      supersedePrefix: refetch === undefined ? undefined : `pull:${hour.toISOString()}`,
      workDir,
      partFiles: [],
    },
    call,
  );
}

/** The landed rows of the given reading ids, from the Parquet files (all batches), by hand-checked columns. */
async function landedRows(
  at: { db: import('knex').Knex; landingStore: ObjectStore; scratchDir: string },
  ids: string[],
) {
  // Each object once: a file of corrections is recorded once per (hour, bucket) it holds.
  const keys = ((await at.db('landed_files').distinct('object_key')) as { object_key: string }[]).map(
    (row) => row.object_key,
  );
  const local = path.join(at.scratchDir, 'read');
  fs.mkdirSync(local, { recursive: true });
  const files: string[] = [];
  for (const key of keys) files.push(await at.landingStore.getFile(key, local));
  return analytics.withConnection((conn) =>
    queryRows<{ reading_id: string; belongs: string; import_hour: string; temperature: number }>(
      conn,
      `SELECT reading_id, strftime(belongs_to_hour, '%Y-%m-%dT%H') AS belongs, strftime(import_hour, '%Y-%m-%dT%H') AS import_hour, temperature
         FROM read_parquet(${sqlPaths(files)}) WHERE reading_id IN (${ids.map((id) => `'${id}'`).join(', ')})
        ORDER BY reading_id, received_at`,
    ),
  );
}

const hourText = (hour: Date) => hour.toISOString().slice(0, 13);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-version-index-'));
  analytics = await openAnalytics({ memoryLimitMb: 256, threads: 2, tempDir: path.join(dir, 'duck') });
});

test('a correction of a reading landed 160 hours earlier counts in its hour; duplicates, refetch, rebuild, backup and restore keep the index exact', async () => {
  const at = await setUp('first');
  const first = generateReadings(31, 0, 40, new Date(H0.getTime() + 30 * 60_000));
  const second = generateReadings(31, 1, 30, new Date(H1.getTime() + 30 * 60_000));
  const fresh = generateReadings(31, 2, 20, new Date(H.getTime() + 30 * 60_000));
  const changed = (r: SimReading) => ({ ...r, temperature: r.temperature + 1 });

  const h0 = await land(at, H0, first);
  expect([h0.valid, h0.duplicates, h0.corrections]).toEqual([40, 0, 0]);
  // first[0] again unchanged (duplicate), first[1] corrected: both 1 hour later.
  const h1 = await land(at, H1, [...second, first[0]!, changed(first[1]!)]);
  expect([h1.valid, h1.duplicates, h1.corrections]).toEqual([31, 1, 1]);
  expect(h1.correctedHours).toEqual([H0]);

  // 160 hours after H0: first[2] corrected (landed 160 h earlier), first[1]'s correction sent again
  // (a duplicate of its newest version), first[3] unchanged (duplicate), second[0] corrected.
  const late = [...fresh, changed(first[2]!), changed(first[1]!), first[3]!, changed(second[0]!)];
  const h = await land(at, H, late);
  expect([h.valid, h.duplicates, h.corrections]).toEqual([22, 2, 2]);
  expect(h.correctedHours).toEqual([H0, H1]);
  const rows = await landedRows(at, [first[2]!.id]);
  expect(rows.map((r) => [r.import_hour, r.belongs, r.temperature])).toEqual([
    [hourText(H0), hourText(H0), first[2]!.temperature],
    [hourText(H), hourText(H0), first[2]!.temperature + 1],
  ]);
  // Every batch that landed rows was committed with its run.
  expect(Number((await at.db('version_runs').count({ n: '*' }).first())?.n)).toBe(3);

  // A refetch of H retires the batch above: the same answer is compared with what still counts,
  // which is what the first landing of H saw, so it counts the same.
  const again = await land(at, H, late, 'r1');
  expect([again.valid, again.duplicates, again.corrections, again.replacedBatches]).toEqual([22, 2, 2, 1]);
  expect(again.correctedHours).toEqual([H0, H1]);

  // Rebuilt from the Parquet files, every run is the one the landing wrote, byte for byte.
  const rebuilt = await rebuildVersionRuns(
    { db: at.db, landingStore: at.landingStore, analytics, scratchDir: at.scratchDir },
    { check: true },
  );
  expect(rebuilt).toEqual({ batches: 4, identical: 4, added: 0, restored: 0, differing: [] });

  // Backed up, verified, restored into a new database and landing store.
  const id = await storeId(at.db);
  for (const hour of [H0, H1, H])
    await at.backupStore.writeHour(
      id,
      hour,
      {
        tables: backupTablesForHour(at.db, hour),
        objects: await landedObjectsForHour(at.db, hour),
        landing: at.landingStore,
      },
      new Date(),
    );
  const refs = await at.backupStore.listHours(id);
  for (const ref of refs) {
    const manifest = await at.backupStore.verify(ref);
    expect(manifest.objects.some((o) => o.key.startsWith('versions/'))).toBe(true);
  }
  const target = await createMigratedDatabase(createPostgresDatabase);
  databases.push(target);
  const targetStore = newS3Store();
  await restoreFromBackups(target.db, at.backupStore, { landing: targetStore });
  const restored = await setUp('restored', targetStore, target);
  expect(await restored.db('version_runs').orderBy('batch_id')).toEqual(
    await at.db('version_runs').orderBy('batch_id'),
  );
  const check = await rebuildVersionRuns(
    { db: restored.db, landingStore: restored.landingStore, analytics, scratchDir: restored.scratchDir },
    { check: true },
  );
  expect(check).toEqual({ batches: 4, identical: 4, added: 0, restored: 0, differing: [] });
  // The restored copy's lookup finds the versions: a correction of first[4] in the next hour.
  const next = await land(restored, addHours(H, 1), [changed(first[4]!), first[5]!]);
  expect([next.valid, next.duplicates, next.corrections, next.correctedHours]).toEqual([1, 1, 1, [H0]]);
}, 240_000);

test('batches landed before the index are read from their Parquet files, and `versions rebuild` adds their runs', async () => {
  const at = await setUp('upgrade');
  const first = generateReadings(32, 0, 30, new Date(H0.getTime() + 30 * 60_000));
  await land(at, H0, first);
  // As a database landed before migration 007 would be: the batch has files and no run.
  await at.db('version_runs').delete();
  const h = await land(at, H, [{ ...first[0]!, temperature: first[0]!.temperature + 2 }, first[1]!]);
  expect([h.valid, h.duplicates, h.corrections, h.correctedHours]).toEqual([1, 1, 1, [H0]]);
  const rebuilt = await rebuildVersionRuns(
    { db: at.db, landingStore: at.landingStore, analytics, scratchDir: at.scratchDir },
    { check: false },
  );
  expect(rebuilt).toEqual({ batches: 2, identical: 1, added: 1, restored: 0, differing: [] });
  const later = await land(at, addHours(H, 1), [first[2]!, { ...first[3]!, lat: first[3]!.lat + 0.001 }]);
  expect([later.valid, later.duplicates, later.corrections, later.correctedHours]).toEqual([1, 1, 1, [H0]]);
}, 240_000);
