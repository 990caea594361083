/**
 * The deltas a plan applied are dropped in one statement for all its buckets (`dropAppliedDeltas`):
 * exactly those batches' deltas of those buckets of the hour, on real PostgreSQL.
 */
import { dropAppliedDeltas, hourDeltas } from '../../adapters/db/bucketDeltas';
import { migrateToLatest } from '../../adapters/db/connection';
import { createPostgresDatabase, type TestDatabase } from '../support/databases';

const HOUR = new Date('2026-12-01T10:00:00Z');
const OTHER_HOUR = new Date('2026-12-01T11:00:00Z');

let database: TestDatabase;
beforeAll(async () => {
  database = await createPostgresDatabase();
  await migrateToLatest(database.db);
  // Deltas without their batches: the foreign keys are not what is tested here.
  await database.db.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    const row = (batch: number, hour: Date, bucket: number) => ({
      batch_id: batch,
      hour,
      bucket,
      rules: 'r',
      base_files: `b${batch}`,
      files: `f${batch}`,
      change: JSON.stringify({ partials: {}, stats: {} }),
    });
    await trx('bucket_deltas').insert([
      row(1, HOUR, 0),
      row(2, HOUR, 0),
      row(1, HOUR, 1),
      row(1, HOUR, 2),
      row(2, HOUR, 2),
      row(1, OTHER_HOUR, 0),
    ]);
  });
}, 60_000);
afterAll(() => database.drop());

test('only the applied batches of the given buckets of the hour are dropped', async () => {
  await dropAppliedDeltas(database.db, HOUR, [
    { bucket: 0, batchIds: [1] },
    { bucket: 1, batchIds: [] },
    { bucket: 2, batchIds: [1, 2] },
  ]);
  const left = await hourDeltas(database.db, HOUR);
  const byBucket = [...left.entries()]
    .map(([bucket, deltas]) => [bucket, deltas.map((d) => d.batchId).sort()])
    .sort(([a], [b]) => Number(a) - Number(b));
  expect(byBucket).toEqual([
    [0, [2]],
    [1, [1]],
  ]);
  expect([...(await hourDeltas(database.db, OTHER_HOUR)).keys()]).toEqual([0]);
});
