/**
 * Objects written but never recorded (issue 23, item 3): planted in the landing store the way a
 * worker killed between its puts and its commit leaves them, they are listed by `tempctl
 * unrecorded` (a dry run that deletes nothing), counted by `tempctl status`, and removed by
 * `--delete`, while every object the database records, and an unrecorded one still within the
 * grace period (a landing in flight), stays. Real CLI, PostgreSQL, Temporal, a folder store whose
 * files' times are set back (S3 servers keep their own LastModified).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { hourAggregates } from '../../adapters/db/hours';
import { storeKeyPrefix } from '../../adapters/db/storeIdentity';
import { runImport } from '../../client';
import { addHours, truncateToHour } from '../../core/importHour';
import { rawBodyKey, landedFileKey } from '../../core/landingKeys';
import { runTempctl, startPipeline, type Pipeline } from '../support/pipeline';

const hour = addHours(truncateToHour(new Date()), -1);
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline();
});
afterAll(async () => {
  await p?.stop();
});

const cli = (args: string[]) => runTempctl(p, args, { LANDING_STORE_URL: p.config.landingStoreUrl });

/** Every key the database records, from its own tables. */
async function recordedKeys(): Promise<string[]> {
  const raw = (await p.database.db('raw_bodies').pluck('object_key')) as string[];
  const files = (await p.database.db('landed_files').pluck('object_key')) as string[];
  return [...raw, ...files].sort();
}

test('unrecorded objects past the grace period are listed, counted, then deleted; nothing recorded is touched', async () => {
  await runImport(p.client, p.config, hour);
  const aggregates = await hourAggregates(p.database.db, hour);
  const recorded = await recordedKeys();
  expect(recorded.length).toBeGreaterThan(1);

  // What a landing killed after its puts leaves: an answer and a Parquet file, plus one just written.
  const store = p.runtime.deps.landingStore;
  const local = path.join(p.runtime.deps.scratchDir, 'planted.bin');
  await fs.writeFile(local, 'bytes no batch recorded');
  const orphans = [
    rawBodyKey('partner-api', hour, 'pull~crashed', 'a'.repeat(64)),
    landedFileKey(
      { source: 'partner-api', importHour: hour, belongsToHour: hour, bucket: 0 },
      'pull~crashed',
      'b'.repeat(64),
    ),
  ];
  const young = landedFileKey(
    { source: 'partner-api', importHour: hour, belongsToHour: hour, bucket: 1 },
    'pull~inflight',
    'c'.repeat(64),
  );
  for (const key of [...orphans, young]) await store.putFile(key, local);
  // Written two days ago, as far as the folder store can tell (its files' mtime); recorded ones too.
  const root = path.join(p.config.landingStoreUrl, await storeKeyPrefix(p.database.db));
  const old = new Date(Date.now() - 48 * 3_600_000);
  for (const key of [...orphans, ...recorded]) await fs.utimes(path.join(root, key), old, old);

  const dry = await cli(['unrecorded']);
  expect(dry.code).toBe(0);
  const listed = dry.stdout.split('\n').filter((line) => line.includes(' bytes  '));
  expect(listed.map((line) => line.split('  ').at(-1)).sort()).toEqual([...orphans].sort());
  expect(dry.stdout).toMatch(/^2 unrecorded objects \(46 bytes\)/m);
  for (const key of orphans) expect(await store.stat(key)).toBeDefined();

  const status = await cli(['status', '--json']);
  expect((JSON.parse(status.stdout) as { landing: unknown }).landing).toEqual({
    unrecordedObjects: 2,
    graceHours: 24,
  });

  const deleted = await cli(['unrecorded', '--delete']);
  expect(deleted.code).toBe(0);
  expect(deleted.stdout).toMatch(/^deleted 2 unrecorded objects/m);
  for (const key of orphans) expect(await store.stat(key)).toBeUndefined();
  expect(await store.stat(young)).toBeDefined();
  for (const key of recorded) expect(await store.stat(key)).toBeDefined();
  expect((await cli(['unrecorded'])).stdout).toMatch(/^0 unrecorded objects/m);

  // The hour still computes from what is recorded, to the same rows.
  await runImport(p.client, p.config, hour);
  expect(await hourAggregates(p.database.db, hour)).toEqual(aggregates);
});
