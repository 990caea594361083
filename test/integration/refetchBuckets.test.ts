/**
 * A refetch keeps the hour's bucket count (issue 23, item 3): an hour first landed small (one
 * bucket) and refetched with ten times the readings stays in one bucket count, the one its
 * superseded files and the other batches' files of the hour have, so the hour's buckets still
 * partition every version of each reading; and the hour is exactly the refetched answer.
 * Expectations: the records served (test/support/expectations.ts), the bucket rule's settings.
 */
import { hourAggregates } from '../../adapters/db/hours';
import { runImport } from '../../client';
import { addHours, truncateToHour } from '../../core/importHour';
import { generateReadings } from '../../sim/generator';
import { expectedAggregates } from '../support/expectations';
import { startPipeline, TEST_API_KEY, type Pipeline } from '../support/pipeline';
import { startRecordServer, type RecordServer } from '../support/recovery';
import { expectSameAggregates } from '../support/served';

const hour = addHours(truncateToHour(new Date()), -2);
const inHour = new Date(hour.getTime() + 600_000);
let server: RecordServer;
let p: Pipeline;

beforeAll(async () => {
  server = await startRecordServer(TEST_API_KEY);
  // 40 readings per bucket, at most 8: 30 readings make 1 bucket, 300 would make 8.
  p = await startPipeline({
    env: {
      SENSOR_API_URL: server.url,
      FETCH_MAX_LAG_HOURS: '48',
      HOUR_BUCKETS: '8',
      HOUR_BUCKET_READINGS: '40',
    },
  });
});
afterAll(async () => {
  await p?.stop();
  await server?.close();
});

async function filesOfHour() {
  return (await p.database
    .db('landed_files as f')
    .join('fetch_batches as b', 'b.batch_id', 'f.batch_id')
    .where('f.belongs_to_hour', hour)
    .select('f.bucket', 'f.bucket_count', 'f.rows', 'b.superseded_at')) as {
    bucket: number;
    bucket_count: number;
    rows: number;
    superseded_at: Date | null;
  }[];
}

test('a refetch of ten times the readings lands in the bucket count the hour has, and the hour is exact', async () => {
  const first = generateReadings(31, 0, 30, inHour);
  server.setRecords(first);
  await runImport(p.client, p.config, hour);
  expect(new Set((await filesOfHour()).map((f) => f.bucket_count))).toEqual(new Set([1]));

  const refetched = generateReadings(32, 0, 300, inHour);
  server.setRecords(refetched);
  const summary = await runImport(p.client, p.config, hour, { refetch: true });
  expect(summary.sources).toEqual([expect.objectContaining({ replacedBatches: 1, valid: 300 })]);
  const files = await filesOfHour();
  // Live and superseded, one count: the first landing's.
  expect(new Set(files.map((f) => f.bucket_count))).toEqual(new Set([1]));
  const live = files.filter((f) => f.superseded_at === null);
  expect(live.reduce((n, f) => n + Number(f.rows), 0)).toBe(300);
  expect(new Set(live.map((f) => f.bucket))).toEqual(new Set([0]));
  expectSameAggregates(await hourAggregates(p.database.db, hour), expectedAggregates(refetched));
  // The hour was computed in that one bucket.
  const partials = (await p.database
    .db('hour_partials')
    .where({ hour })
    .select('bucket', 'bucket_count')) as {
    bucket: number;
    bucket_count: number;
  }[];
  expect(partials).toEqual([{ bucket: 0, bucket_count: 1 }]);
});
