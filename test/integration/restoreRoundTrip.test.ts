/**
 * Issue 25, "backup to S3, then restore into an empty database and an empty store": every table is
 * in the backup, `raw_bodies` included. Pipeline A (landing store and backups on SeaweedFS) imports
 * two hours; its backups are restored into an empty database and an empty landing prefix; pipeline
 * B runs on the restored database, imports the next hour and reruns a restored one (no partner
 * call: the raw answers and Parquet files came back); B's new backup of that hour holds the same
 * rows and objects as A's, and the next hour's backup holds its raw answer.
 */
import { BackupStore, type HourBackupRef } from '../../adapters/backup/store';
import { restoreFromBackups } from '../../adapters/db/restore';
import { storeId } from '../../adapters/db/storeIdentity';
import { openObjectStore } from '../../adapters/objectStore';
import { runImport } from '../../client';
import { addHours, formatHour, truncateToHour } from '../../core/importHour';
import { createPostgresDatabase, type TestDatabase } from '../support/databases';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { snapshotTables } from '../support/recovery';
import { newS3StoreUrl, testS3 } from '../support/s3';

const base = truncateToHour(new Date());
const hours = [addHours(base, -4), addHours(base, -3)];
const nextHour = addHours(base, -2);

function s3Env(landing: string, backups: string): Record<string, string> {
  const { s3 } = testS3();
  return {
    S3_ENDPOINT: s3.endpoint ?? '',
    S3_ACCESS_KEY_ID: s3.credentials?.accessKeyId ?? '',
    S3_SECRET_ACCESS_KEY: s3.credentials?.secretAccessKey.reveal() ?? '',
    LANDING_STORE_URL: landing,
    BACKUP_DIR: backups,
    FETCH_MAX_LAG_HOURS: '48',
  };
}

/** An hour's newest backup: every table's rows (except the ledger, which a rerun adds to) and objects. */
async function backupContent(store: BackupStore, ref: HourBackupRef) {
  const manifest = await store.readManifest(ref);
  const tables: Record<string, unknown[]> = {};
  for (const table of manifest.tables) {
    if (table.name === 'import_runs') continue;
    const rows: unknown[] = [];
    for await (const row of store.readTable(ref, manifest, table.name)) rows.push(row);
    tables[table.name] = rows;
  }
  const objects = manifest.objects.map((o) => ({ key: o.key, sha256: o.sha256 }));
  return { tables, objects };
}

const refOf = async (store: BackupStore, id: string, hour: Date) => {
  const ref = (await store.listHours(id)).find((r) => r.folder === formatHour(hour).replace(/:/g, ''));
  if (!ref) throw new Error(`no backup of ${formatHour(hour)}`);
  return ref;
};

test('restore into an empty database and store, run the next hour, back up again: the same backup as the original', async () => {
  const { s3 } = testS3();
  const backupsA = newS3StoreUrl();
  const a: Pipeline = await startPipeline({
    env: s3Env(newS3StoreUrl(), backupsA),
    simulator: { readingsPerCall: 150 },
  });
  let tablesA: Record<string, unknown[]>;
  let id: string;
  try {
    for (const hour of hours) await runImport(a.client, a.config, hour);
    tablesA = await snapshotTables(a.database.db);
    id = await storeId(a.database.db);
    expect(tablesA.raw_bodies).toHaveLength(2);
  } finally {
    await a.stop();
  }
  const storeA = new BackupStore(openObjectStore(backupsA, s3));
  const originalFirst = await backupContent(storeA, await refOf(storeA, id, hours[0] as Date));
  expect(originalFirst.tables.raw_bodies).toHaveLength(1);

  // An empty database and an empty landing prefix.
  const landingB = newS3StoreUrl();
  const restored: TestDatabase = await createPostgresDatabase();
  const report = await restoreFromBackups(restored.db, storeA, { landing: openObjectStore(landingB, s3) });
  expect(report.rows.raw_bodies).toBe(2);
  expect(await snapshotTables(restored.db)).toEqual(tablesA);

  const backupsB = newS3StoreUrl();
  const b = await startPipeline({
    database: restored,
    env: s3Env(landingB, backupsB),
    simulator: { readingsPerCall: 150 },
  });
  try {
    await runImport(b.client, b.config, nextHour);
    // A rerun of a restored hour reads the restored answers and files, and writes its backup again.
    const rerun = await runImport(b.client, b.config, hours[0] as Date);
    expect(rerun.status).toBe('succeeded');
    expect(b.simulator.calls).toBe(1);
    const storeB = new BackupStore(openObjectStore(backupsB, s3));
    expect(await backupContent(storeB, await refOf(storeB, id, hours[0] as Date))).toEqual(originalFirst);
    const next = await backupContent(storeB, await refOf(storeB, id, nextHour));
    expect(next.tables.raw_bodies).toHaveLength(1);
    expect(next.objects.filter((o) => o.key.startsWith('raw/'))).toHaveLength(1);
  } finally {
    await b.stop();
  }
}, 300_000);
