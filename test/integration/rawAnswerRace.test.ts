/**
 * Two attempts of one hour's fetch that both downloaded (a worker presumed dead while it was still
 * downloading, say): the answer recorded first is the hour's answer. The later attempt stores its
 * own download, finds the first answer already recorded for the batch, and lands that one, read
 * from the landing store, never the parts it cut from its own download (activities/fetch.ts: the
 * parts are used only when the recorded answer is this download). The expected aggregates are
 * computed here from the first answer's records (test/support/expectations.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { buildRuntime } from '../../worker/runtime';
import { createActivities } from '../../activities';
import { mergeBuckets } from '../../core/bucket';
import { formatHour } from '../../core/importHour';
import { batchSegment, rawBodyKey } from '../../core/landingKeys';
import { PULL_PREFIX } from '../../core/fetchDecision';
import { recordRawBody } from '../../adapters/db/landing';
import { cutBody } from '../../adapters/analytics/bodyParts';
import type { Source } from '../../adapters/sources/types';
import { generateReadings } from '../../sim/generator';
import { createPostgresDatabase, type TestDatabase } from '../support/databases';
import { expectedAggregates } from '../support/expectations';

const HOUR = new Date('2026-11-27T14:00:00Z');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let database: TestDatabase;
let dir: string;
beforeAll(async () => {
  database = await createPostgresDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-race-'));
});
afterAll(async () => {
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the answer recorded first is landed; a later download of the same batch is not, nor its parts', async () => {
  const first = generateReadings(1, 0, 300, new Date(HOUR.getTime() + 1_800_000));
  const later = generateReadings(2, 0, 200, new Date(HOUR.getTime() + 1_800_000));
  const firstBody = JSON.stringify(first);
  const laterBody = JSON.stringify(later);
  const batchKey = `${PULL_PREFIX}${formatHour(HOUR)}`;
  let cutParts: string[] = [];

  const config = loadConfig({
    DATABASE_URL: database.url,
    LANDING_STORE_URL: path.join(dir, 'landing'),
    DATA_DIR: path.join(dir, 'data'),
    BACKUP_DIR: path.join(dir, 'backups'),
    HOUR_BUCKETS: '2',
    HOUR_BUCKET_READINGS: '100',
    SENSOR_API_URL: 'http://127.0.0.1:9/unused',
    SENSOR_API_KEY: 'unused',
  });
  // The worker's runtime, built below with this source in it; the source stores through its store.
  const built: { runtime?: Awaited<ReturnType<typeof buildRuntime>> } = {};
  // The partner's answer to this attempt, downloaded and cut into parts as `partWriter` does; while
  // it downloaded, the other attempt stored and recorded its own answer for the same batch.
  const racing: Source = {
    name: 'partner-api',
    async fetch(scratchDir = dir, options = {}) {
      const store = built.runtime!.deps.landingStore;
      const segment = batchSegment(batchKey, sha256(batchKey));
      const firstFile = path.join(dir, 'first.json');
      fs.writeFileSync(firstFile, firstBody);
      const objectKey = rawBodyKey('partner-api', HOUR, segment, sha256(firstBody));
      const stored = await store.putFile(objectKey, firstFile, { sha256: sha256(firstBody) });
      await recordRawBody(database.db, {
        source: 'partner-api',
        batchKey,
        objectKey,
        fetchedAt: new Date(HOUR.getTime() + 3_600_000),
        bytes: stored.bytes,
        sha256: stored.sha256,
      });

      const bodyFile = path.join(scratchDir, 'later.json');
      fs.writeFileSync(bodyFile, laterBody);
      cutParts = await cutBody(bodyFile, options.partFiles ?? [], 1024);
      return [
        {
          source: 'partner-api',
          key: null,
          fetchedAt: new Date(HOUR.getTime() + 3_700_000),
          bodyFile,
          bodySha256: sha256(laterBody),
          bodyParts: cutParts,
        },
      ];
    },
    acknowledge: () => Promise.resolve(),
  };
  const runtime = await buildRuntime(config, {
    db: database.db,
    sources: [racing],
    now: () => new Date(HOUR.getTime() + 3_900_000),
    skipGeometryCheck: true,
  });
  built.runtime = runtime;
  try {
    const activities = createActivities(runtime.deps);
    const summary = await activities.fetchSource({
      hour: HOUR.toISOString(),
      runId: 'run-later',
      source: 'partner-api',
      refetch: false,
    });
    // The later download was cut (the guard has parts to refuse), and the first answer was landed.
    expect(cutParts.length).toBeGreaterThan(1);
    expect(summary.fetched).toBe(first.length);

    const plan = await activities.planHour({ hour: HOUR.toISOString() });
    const computed = [];
    for (const bucket of plan.stale)
      computed.push(await activities.aggregateBucket({ hour: HOUR.toISOString(), bucket }));
    const actual = mergeBuckets([...plan.fresh, ...computed].map((o) => o.result)).aggregates;
    const expected = expectedAggregates(first);
    expect(actual.map((a) => [a.region, a.numberOfPoints])).toEqual(
      expected.map((e) => [e.region, e.numberOfPoints]),
    );
    actual.forEach((a, i) => expect(a.temperature).toBeCloseTo(expected[i]?.temperature ?? NaN, 9));
    // One answer recorded for the batch: the first.
    const raw = await database.db('raw_bodies').where({ source: 'partner-api', batch_key: batchKey });
    expect(raw.map((r: { sha256: string }) => r.sha256)).toEqual([sha256(firstBody)]);
  } finally {
    await runtime.close();
  }
});
