/**
 * Issue 25, "one landed Parquet file deleted" (and truncated, overwritten), on SeaweedFS with the
 * backups there too: hours are landed and backed up, then one hour's Parquet object is deleted or
 * damaged in the bucket itself. `tempctl backup verify` names it; the next hour (whose landing and
 * correction read it) repairs it from the backup copy on read and is exact, as is a rerun;
 * `tempctl backup repair` repairs verify's findings; with no good copy anywhere, the read fails
 * naming the object, its hour and the fix, and once the bytes are back the rerun is exact. Each
 * hour is one partner call. Expected rows are computed independently (test/support/expectations.ts).
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../../adapters/objectStore';
import { hourAggregates } from '../../adapters/db/hours';
import { storeId } from '../../adapters/db/storeIdentity';
import { runImport } from '../../client';
import { addHours, formatHour, truncateToHour } from '../../core/importHour';
import { generateReadings, type SimReading } from '../../sim/generator';
import { expectedAggregates, expectedRegion } from '../support/expectations';
import { startFixedPartner, type FixedPartner } from '../support/partner';
import { runTempctl, startPipeline, TEST_API_KEY, type Pipeline } from '../support/pipeline';
import { newS3StoreUrl, testS3 } from '../support/s3';

let partner: FixedPartner;
let pipeline: Pipeline;
let env: Record<string, string>;
let landingUrl: string;
let backupUrl: string;
const now = truncateToHour(new Date());
const client = () => s3Client(testS3().s3);

beforeAll(async () => {
  partner = await startFixedPartner(TEST_API_KEY);
  const { s3 } = testS3();
  [landingUrl, backupUrl] = [newS3StoreUrl(), newS3StoreUrl()];
  env = {
    SENSOR_API_URL: partner.url,
    LANDING_STORE_URL: landingUrl,
    BACKUP_DIR: backupUrl,
    // The hours below are a few hours old: the partner stand-in serves them all the same.
    FETCH_MAX_LAG_HOURS: '24',
    // Every read goes to the store, as on a worker that did not land the hour: the worker-local
    // cache (LANDING_CACHE_MB) would serve its own checked copy and leave the store's unread.
    LANDING_CACHE_MB: '0',
    S3_ENDPOINT: s3.endpoint ?? '',
    S3_ACCESS_KEY_ID: s3.credentials?.accessKeyId ?? '',
    S3_SECRET_ACCESS_KEY: s3.credentials?.secretAccessKey.reveal() ?? '',
  };
  pipeline = await startPipeline({ env, metrics: true });
}, 180_000);
afterAll(async () => {
  await pipeline?.stop();
  await partner?.close();
});

/** The bucket and full S3 key of an object of the pipeline's (bound) landing or backup store. */
async function s3Key(url: string, key: string): Promise<{ Bucket: string; Key: string }> {
  const [, Bucket, prefix] = /^s3:\/\/([^/]+)\/(.+)$/.exec(url) ?? [];
  return { Bucket: Bucket!, Key: `${prefix}/${await storeId(pipeline.database.db)}/${key}` };
}

async function land(hour: Date, records: readonly unknown[]): Promise<void> {
  partner.answer({ body: JSON.stringify(records) });
  const summary = await runImport(pipeline.client, pipeline.config, hour);
  expect(summary.status).toBe('succeeded');
}

/** The one Parquet object holding the hour's readings (small hours have one bucket). */
async function parquetOf(hour: Date): Promise<string> {
  const rows = (await pipeline.database
    .db('landed_files')
    .where('belongs_to_hour', hour)
    .pluck('object_key')) as string[];
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function expectStored(hour: Date, records: readonly unknown[]): Promise<void> {
  const actual = await hourAggregates(pipeline.database.db, hour);
  const expected = expectedAggregates(records);
  const sorted = [...actual].sort((a, b) => a.region.localeCompare(b.region, 'fr'));
  expect(sorted.map((r) => [r.region, r.numberOfPoints])).toEqual(
    expected.map((r) => [r.region, r.numberOfPoints]),
  );
  sorted.forEach((row, i) => expect(row.temperature).toBeCloseTo(expected[i]?.temperature ?? NaN, 9));
}

/** An hour's readings and, for `corrected`'s first reading inside a region, a new version of it. */
function readings(seed: number, hour: Date, corrected?: SimReading[]) {
  const records = generateReadings(seed, 0, 300, new Date(hour.getTime() + 600_000));
  const target = corrected?.find((r) => expectedRegion(r.lon, r.lat) !== null);
  const correction = target && { ...target, temperature: target.temperature + 7.5 };
  return { records, correction, body: correction ? [...records, correction] : records };
}

/** `corrected` as it counts once `correction` (same id) is landed: the newest version. */
function withCorrection(records: SimReading[], correction: SimReading): SimReading[] {
  return records.map((r) => (r.id === correction.id ? correction : r));
}

/** landed_objects_damaged_total for one outcome (0 before the first). */
async function metric(outcome: 'repaired' | 'unrepairable'): Promise<number> {
  const text = await pipeline.metrics!.registry.metrics();
  const line = new RegExp(
    `^temperature_pipeline_landed_objects_damaged_total\\{outcome="${outcome}"\\} (\\S+)$`,
    'm',
  );
  return Number(line.exec(text)?.[1] ?? 0);
}

/** Lands an hour of fresh readings; its one Parquet object's key, S3 location and bytes. */
async function landAndLocate(hour: Date, seed: number) {
  const { records } = readings(seed, hour);
  await land(hour, records);
  const key = await parquetOf(hour);
  const where = await s3Key(landingUrl, key);
  return { records, key, where, original: await bytesAt(where) };
}

async function bytesAt(where: { Bucket: string; Key: string }): Promise<Buffer> {
  const answer = await client().send(new GetObjectCommand(where));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

test('a deleted landed object: verify names it, the next hour and the rerun repair it from the backup, exact', async () => {
  const [h1, h2] = [addHours(now, -8), addHours(now, -7)];
  const first = readings(51, h1);
  await land(h1, first.records);
  const key = await parquetOf(h1);
  await client().send(new DeleteObjectCommand(await s3Key(landingUrl, key)));

  const verify = await runTempctl(pipeline, ['backup', 'verify'], env);
  expect(verify.code).toBe(1);
  expect(verify.stdout).toContain(`landed object ${key} is missing`);
  expect(verify.stdout).toContain(
    `repair: tempctl backup repair --from ${formatHour(h1)} --to ${formatHour(h1)}`,
  );

  // The next hour corrects one of h1's readings: its landing reads h1's object (earlier versions)
  // and h1 is computed again from it.
  const calls = partner.calls;
  const second = readings(52, h2, first.records);
  await land(h2, second.body);
  expect(partner.calls - calls).toBe(1);
  await expectStored(h1, withCorrection(first.records, second.correction!));
  await expectStored(h2, second.records);
  expect(await metric('repaired')).toBeGreaterThanOrEqual(1);

  const rerun = await runImport(pipeline.client, pipeline.config, h1);
  expect(rerun.status).toBe('succeeded');
  expect(partner.calls - calls).toBe(1);
  await expectStored(h1, withCorrection(first.records, second.correction!));
  const again = await runTempctl(pipeline, ['backup', 'verify'], env);
  expect(again.stdout).not.toContain('FAIL');
  expect(again.stdout).toMatch(/: (\d+) of \1 landed object\(s\) as recorded/);
  expect(again.code).toBe(0);
}, 300_000);

test('a truncated, then an overwritten landed object: `backup repair` and the next read repair it, exact', async () => {
  const [h3, h4] = [addHours(now, -6), addHours(now, -5)];
  const { records: third, key, where, original } = await landAndLocate(h3, 53);
  await client().send(new PutObjectCommand({ ...where, Body: original.subarray(0, original.length >> 1) }));

  const verify = await runTempctl(pipeline, ['backup', 'verify', '--from', formatHour(h3)], env);
  expect(verify.code).toBe(1);
  expect(verify.stdout).toContain(`landed object ${key} is damaged`);
  const repair = await runTempctl(pipeline, ['backup', 'repair', '--from', formatHour(h3)], env);
  expect(repair.stdout).toContain(`REPAIRED      ${formatHour(h3)}  ${key} (was damaged)`);
  expect(repair.code).toBe(0);
  expect((await bytesAt(where)).equals(original)).toBe(true);

  // Overwritten with other bytes of the same size: the next hour's reads repair it themselves.
  await client().send(new PutObjectCommand({ ...where, Body: Buffer.alloc(original.length, 7) }));
  const calls = partner.calls;
  const fourth = readings(54, h4, third);
  await land(h4, fourth.body);
  expect(partner.calls - calls).toBe(1);
  await expectStored(h3, withCorrection(third, fourth.correction!));
  await expectStored(h4, fourth.records);
  const verified = await runTempctl(pipeline, ['backup', 'verify', '--from', formatHour(h3)], env);
  expect(verified.code).toBe(0);
}, 300_000);

test('no good copy anywhere: the next hour fails naming the object, its hour and the fix; bytes back, the rerun is exact', async () => {
  const [h5, h6] = [addHours(now, -4), addHours(now, -3)];
  const { records: fifth, key, where, original } = await landAndLocate(h5, 55);
  await client().send(new DeleteObjectCommand(where));
  await client().send(new DeleteObjectCommand(await s3Key(backupUrl, `objects/${key}`)));
  const unrepairable = await metric('unrepairable');

  const calls = partner.calls;
  const sixth = readings(56, h6, fifth);
  partner.answer({ body: JSON.stringify(sixth.body) });
  const run = await runTempctl(pipeline, ['run', '--hour', formatHour(h6)], env);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`landed object ${key} landed by import hour ${h5.toISOString()} is missing`);
  expect(run.stderr).toContain(`tempctl backup repair --from ${formatHour(h5)} --to ${formatHour(h5)}`);
  expect(run.stderr).toContain('the part that failed: landing-store; check LANDING_STORE_URL');
  expect(run.stderr).not.toContain('Lost the connection to Temporal');
  expect(partner.calls - calls).toBe(1);
  expect(await metric('unrepairable')).toBeGreaterThan(unrepairable);

  // The operator puts the bytes back (from wherever they kept them): the rerun lands the stored answer.
  await client().send(new PutObjectCommand({ ...where, Body: original }));
  const rerun = await runImport(pipeline.client, pipeline.config, h6);
  expect(rerun.status).toBe('succeeded');
  expect(partner.calls - calls).toBe(1);
  await expectStored(h5, withCorrection(fifth, sixth.correction!));
  await expectStored(h6, sixth.records);
}, 300_000);
