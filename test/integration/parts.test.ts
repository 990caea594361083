/**
 * Hours delivered in parts, end to end on the real dev server, worker, PostgreSQL and SeaweedFS:
 * the simulator's cursor pages over HTTP and an object drop written to SeaweedFS with its
 * manifest, each part landed by its own activity. The stored aggregates equal those computed
 * independently (test/support/expectations.ts) from every page served and every part written;
 * each page is asked for once, a failed page alone again; a part the manifest lists and the drop
 * lacks fails the hour naming it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runImport } from '../../client';
import { openObjectStore } from '../../adapters/objectStore';
import { hourAggregates } from '../../adapters/db/hours';
import { deepestMessage } from '../../core/errors';
import { hourSegment } from '../../core/landingKeys';
import { MANIFEST_NAME } from '../../core/parts';
import { generateReadings } from '../../sim/generator';
import { expectedAggregates } from '../support/expectations';
import { freshHours } from '../support/hours';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { expectSameAggregates } from '../support/served';
import { newS3StoreUrl, testS3 } from '../support/s3';

const PAGE = 100;
const READINGS_PER_ANSWER = 450;
const dropUrl = newS3StoreUrl();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-parts-'));
const nextHour = freshHours(1);
let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await startPipeline({
    simulator: { paging: 'cursor', readingsPerCall: READINGS_PER_ANSWER },
    env: {
      SOURCES: 'partner-api,object-drop',
      SENSOR_API_PAGING: 'cursor',
      SENSOR_API_PAGE_SIZE: String(PAGE),
      OBJECT_DROP_URL: dropUrl,
      S3_ENDPOINT: process.env.TEST_S3_ENDPOINT ?? '',
      S3_ACCESS_KEY_ID: process.env.TEST_S3_ACCESS_KEY_ID ?? '',
      S3_SECRET_ACCESS_KEY: process.env.TEST_S3_SECRET_ACCESS_KEY ?? '',
      PARTS_CONCURRENCY: '3',
      FETCH_MAX_LAG_HOURS: '48',
    },
  });
});
afterAll(async () => {
  await pipeline.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The partner's drop for `hour`: `count` parts of readings, then the manifest (listing `listed` of them). */
async function dropHour(hour: Date, count: number, listed = count): Promise<unknown[]> {
  const store = openObjectStore(dropUrl, testS3().s3);
  const prefix = `${hourSegment(hour)}/`;
  const manifest: { name: string; bytes: number; sha256: string }[] = [];
  const records: unknown[] = [];
  for (let i = 1; i <= listed; i += 1) {
    const readings = generateReadings(hour.getTime() % 1000, i, 120, new Date());
    const text = JSON.stringify(readings);
    const name = `part-${i}.json`;
    manifest.push({
      name,
      bytes: Buffer.byteLength(text),
      sha256: createHash('sha256').update(text).digest('hex'),
    });
    if (i > count) continue;
    records.push(...readings);
    fs.writeFileSync(path.join(scratch, name), text);
    await store.putFile(`${prefix}${name}`, path.join(scratch, name));
  }
  // Not in the manifest: never landed.
  fs.writeFileSync(path.join(scratch, 'stray.json'), '[{"id": "stray"}]');
  await store.putFile(`${prefix}stray.json`, path.join(scratch, 'stray.json'));
  fs.writeFileSync(path.join(scratch, MANIFEST_NAME), JSON.stringify({ parts: manifest }));
  await store.putFile(`${prefix}${MANIFEST_NAME}`, path.join(scratch, MANIFEST_NAME));
  return records;
}

/** The pages served since call `from` (their numbers, null for a failed call) and their records. */
function pagesServed(from: number) {
  const calls = pipeline.simulator.served.filter((call) => call.call > from);
  return {
    pages: calls.map((call) => call.page ?? null),
    records: calls.flatMap((call) => call.records ?? []),
  };
}

async function landedBatches(hour: Date): Promise<string[]> {
  const rows = (await pipeline.database
    .db('fetch_batches')
    .where({ import_hour: hour })
    .orderBy('batch_key')
    .select('batch_key')) as { batch_key: string }[];
  return rows.map((row) => row.batch_key);
}

test('pages and objects, each landed once by its own activity: the aggregates of every reading', async () => {
  const hour = nextHour();
  const dropped = await dropHour(hour, 4);
  const before = pipeline.simulator.calls;
  const summary = await runImport(pipeline.client, pipeline.config, hour);

  const served = pagesServed(before);
  expect(served.pages).toEqual([1, 2, 3, 4, 5]);
  expect(summary.status).toBe('succeeded');
  expectSameAggregates(
    await hourAggregates(pipeline.database.db, hour),
    expectedAggregates([...served.records, ...dropped]),
  );
  const batches = await landedBatches(hour);
  expect(batches.filter((key) => key.startsWith('pull:'))).toEqual(
    [1, 2, 3, 4, 5].map((n) => `pull:${hour.toISOString().slice(0, 19)}Z#page-00000${n}`),
  );
  expect(batches.filter((key) => key.startsWith('object:'))).toHaveLength(4);
  expect(batches.some((key) => key.includes('stray'))).toBe(false);
  // Each part's answer is kept, as one answer's is.
  const raw = (await pipeline.database.db('raw_bodies').whereIn('batch_key', batches).count('* as n')) as {
    n: string;
  }[];
  expect(Number(raw[0]?.n)).toBe(9);
});

test('a page that fails is asked for again, alone; the pages before it are not', async () => {
  const hour = nextHour();
  const dropped = await dropHour(hour, 2);
  pipeline.simulator.setFaults(['ok', 'ok', '503']);
  const before = pipeline.simulator.calls;
  await runImport(pipeline.client, pipeline.config, hour);
  const served = pagesServed(before);
  expect(served.pages).toEqual([1, 2, null, 3, 4, 5]);
  expectSameAggregates(
    await hourAggregates(pipeline.database.db, hour),
    expectedAggregates([...served.records, ...dropped]),
  );
});

test('a part the manifest lists and the drop lacks fails the hour, naming it', async () => {
  const hour = nextHour();
  await dropHour(hour, 2, 3);
  const error: unknown = await runImport(pipeline.client, pipeline.config, hour).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(deepestMessage(error)).toContain('part-3.json is missing');
  // Neither the drop's other parts nor the pages are blamed or fetched twice.
  expect((await landedBatches(hour)).filter((key) => key.startsWith('object:'))).toHaveLength(0);
});
