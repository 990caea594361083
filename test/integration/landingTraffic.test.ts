/**
 * Landing store traffic (issue 23, item 2) on SeaweedFS: the metered store counts every byte and
 * request, by the activity that made it; the worker-local cache keeps what the hour reads again and
 * still honours the store contract; and an hour landed on S3 downloads nothing it wrote itself.
 * Expectations come from the files written and from the database's record of the objects.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  addTraffic,
  MeteredObjectStore,
  noTraffic,
  TrafficMeter,
  type StoreTraffic,
} from '../../adapters/objectStore/metered';
import { CachedObjectStore } from '../../adapters/objectStore/cached';
import { runImport } from '../../client';
import { addHours, truncateToHour } from '../../core/importHour';
import { objectStoreContract, readAll } from '../support/objectStoreContract';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { newS3Store, newS3StoreUrl, testS3 } from '../support/s3';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-traffic-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

async function localFile(bytes: Uint8Array): Promise<string> {
  const file = path.join(scratch, randomUUID());
  await fs.writeFile(file, bytes);
  return file;
}

describe('the metered and cached stores keep the object store contract', () => {
  describe('MeteredObjectStore on SeaweedFS', () => {
    objectStoreContract(() => Promise.resolve(new MeteredObjectStore(newS3Store(), new TrafficMeter())));
  });
  describe('CachedObjectStore on SeaweedFS', () => {
    objectStoreContract(async () =>
      Promise.resolve(
        new CachedObjectStore(newS3Store(), await fs.mkdtemp(path.join(scratch, 'cache-')), 1 << 20),
      ),
    );
  });
});

test('every byte and request is counted, by the activity whose work made it', async () => {
  const meter = new TrafficMeter();
  const store = new MeteredObjectStore(newS3Store(), meter);
  const bytes = randomBytes(300_000);
  const key = 'raw/source=partner-api/import_hour=2026-11-27T14:00:00Z/a.json';
  const heard: string[] = [];
  const stop = meter.listen((activity, direction, n) => heard.push(`${activity} ${direction} ${n}`));
  const inFetch = noTraffic();
  await meter.measure(
    'fetchSource',
    async () => {
      await store.putFile(key, await localFile(bytes));
      await store.getFile(key, scratch);
    },
    inFetch,
  );
  const inBackup = noTraffic();
  const read = await meter.measure('backupObjects', async () => readAll(await store.openRead(key)), inBackup);
  stop();
  expect(sha(read)).toBe(sha(bytes));
  expect(inFetch).toEqual<StoreTraffic>({
    writeBytes: bytes.length,
    writeRequests: 1,
    readBytes: bytes.length,
    readRequests: 1,
  });
  expect(inBackup).toMatchObject({
    readBytes: bytes.length,
    readRequests: 1,
    writeBytes: 0,
    writeRequests: 0,
  });
  expect(meter.total).toEqual({
    writeBytes: bytes.length,
    writeRequests: 1,
    readBytes: 2 * bytes.length,
    readRequests: 2,
  });
  expect(heard).toContain(`fetchSource write ${bytes.length}`);
  expect(heard).toContain(`fetchSource read ${bytes.length}`);
  // Outside any activity: counted as `none`.
  await store.stat(key);
  expect(meter.total.readRequests).toBe(3);
});

test('the cache hands out what was put, without a download, until it is evicted past its size', async () => {
  const meter = new TrafficMeter();
  const cacheDir = await fs.mkdtemp(path.join(scratch, 'cache-'));
  const store = new CachedObjectStore(new MeteredObjectStore(newS3Store(), meter), cacheDir, 250_000);
  const keyOf = (i: number) =>
    `landing/source=partner-api/import_hour=2026-11-27T14:00:00Z/bucket=00${i}/f.parquet`;
  const bodies = [randomBytes(100_000), randomBytes(100_000), randomBytes(100_000)];
  for (const [i, body] of bodies.entries())
    await store.putFile(keyOf(i), await localFile(body), { move: true });
  // 300,000 bytes put into a 250,000-byte cache: the first went.
  const before = { ...meter.total };
  for (const i of [1, 2]) {
    const file = await store.getFile(keyOf(i), path.join(scratch, 'reads'));
    expect(sha(await fs.readFile(file))).toBe(sha(bodies[i]!));
    // The caller deletes what it was given; the cache keeps its own copy.
    await fs.rm(file);
  }
  expect(meter.total.readBytes).toBe(before.readBytes);
  expect(store.stats).toEqual({ hits: 2, misses: 0 });
  const first = await store.getFile(keyOf(0), path.join(scratch, 'reads'));
  expect(sha(await fs.readFile(first))).toBe(sha(bodies[0]!));
  expect(meter.total.readBytes).toBe(before.readBytes + 100_000);
  expect(store.stats).toEqual({ hits: 2, misses: 1 });
  // A put not handed over (`move` unset) may change after: never cached.
  const other = 'landing/source=partner-api/import_hour=2026-11-27T14:00:00Z/bucket=009/g.parquet';
  await store.putFile(other, await localFile(randomBytes(10)));
  await store.getFile(other, path.join(scratch, 'reads'));
  expect(store.stats.misses).toBe(2);
});

/** Bytes and objects the database records for what the hours landed. */
async function recorded(p: Pipeline) {
  const one = async (table: string) => {
    const [row] = (await p.database.db(table).sum({ bytes: 'bytes' }).count({ n: '*' })) as {
      bytes: string | null;
      n: string;
    }[];
    return { bytes: Number(row?.bytes ?? 0), objects: Number(row?.n ?? 0) };
  };
  return { raw: await one('raw_bodies'), files: await one('landed_files'), runs: await one('version_runs') };
}

describe.each([
  ['with the worker-local cache (LANDING_CACHE_MB default)', {}],
  ['without it (LANDING_CACHE_MB=0)', { LANDING_CACHE_MB: '0' }],
])('an hour landed on S3, %s', (_name, extra: Record<string, string>) => {
  let p: Pipeline;
  const byActivity = new Map<string, StoreTraffic>();
  beforeAll(async () => {
    const { s3 } = testS3();
    p = await startPipeline({
      env: {
        S3_ENDPOINT: s3.endpoint ?? '',
        S3_ACCESS_KEY_ID: s3.credentials?.accessKeyId ?? '',
        S3_SECRET_ACCESS_KEY: s3.credentials?.secretAccessKey.reveal() ?? '',
        LANDING_STORE_URL: newS3StoreUrl(),
        ...extra,
      },
    });
    p.runtime.deps.landingTraffic?.listen((activity, direction, bytes, requests) => {
      const traffic = byActivity.get(activity) ?? noTraffic();
      addTraffic(traffic, direction, bytes, requests);
      byActivity.set(activity, traffic);
    });
  });
  afterAll(async () => {
    await p.stop();
  });

  test('the fetch writes what the database records and never downloads the answer it stored', async () => {
    const summary = await runImport(p.client, p.config, addHours(truncateToHour(new Date()), -1));
    expect(summary.totals.valid).toBeGreaterThan(0);
    const { raw, files, runs } = await recorded(p);
    const fetch = byActivity.get('fetchSource') ?? noTraffic();
    expect(fetch.writeBytes).toBe(raw.bytes + files.bytes + runs.bytes);
    expect(fetch.writeRequests).toBe(raw.objects + files.objects + runs.objects);
    // The fetch's only reads are its early backup copies (the answer, then the batch's files and
    // run): from the cache, or once each from the store.
    expect(fetch.readBytes).toBe(extra.LANDING_CACHE_MB === '0' ? raw.bytes + files.bytes + runs.bytes : 0);
    const readBytes = [...byActivity.values()].reduce((sum, t) => sum + t.readBytes, 0);
    if (extra.LANDING_CACHE_MB === '0') {
      // The bucket activities read the hour's files, the fetch's backup copies them: each file
      // twice; the version run once (the index itself keeps its own copy of the run); the hour's
      // backups find the copies in place.
      expect(readBytes).toBe(raw.bytes + 2 * files.bytes + runs.bytes);
      expect(byActivity.get('backupObjects')?.readBytes ?? 0).toBe(0);
    } else {
      // Everything the hour read, this worker had written: nothing came back from the store.
      expect(readBytes).toBe(0);
    }
  });
});
