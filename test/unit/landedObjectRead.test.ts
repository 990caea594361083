/**
 * Landed objects read in place (adapters/backup/landedObjects.ts `getRecordedFile`): a file found
 * as recorded is not hashed on every read (it is known by its inode, size and mtime), yet any
 * later write to it (same size, other bytes; a truncation; a replacement) is found on the next
 * read, on a real folder store.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getRecordedFile, type RecordedObject } from '../../adapters/backup/landedObjects';
import { LocalObjectStore } from '../../adapters/objectStore';
import { isLandedObjectError } from '../../core/errors';

const HOUR = new Date('2026-12-03T10:00:00Z');
let dir: string;
let store: LocalObjectStore;
let object: RecordedObject;
const BYTES = Buffer.from('PAR1 the landed rows of one bucket PAR1');

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-landed-read-'));
  store = new LocalObjectStore(path.join(dir, 'store'));
  fs.writeFileSync(path.join(dir, 'file'), BYTES);
  const key = 'landing/source=partner-api/bucket=0/part.parquet';
  await store.putFile(key, path.join(dir, 'file'));
  object = { key, hour: HOUR, sha256: createHash('sha256').update(BYTES).digest('hex') };
  // Landed an hour before the damage, as in the store: a write now gives it another mtime even
  // within the file system's timestamp granularity.
  const landedAt = new Date(Date.now() - 3_600_000);
  fs.utimesSync(await store.getFile(key), landedAt, landedAt);
  fs.mkdirSync(path.join(dir, 'work'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const read = () => getRecordedFile({ landing: store }, object, path.join(dir, 'work'));

async function expectDamaged(problem: string): Promise<void> {
  const error = await read().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isLandedObjectError(error)) throw new Error(`expected a LandedObjectError, got ${String(error)}`);
  expect(error.message).toContain(object.key);
  expect(error.problem).toBe(problem);
}

test('a file read as recorded is read in place again, with the recorded bytes', async () => {
  const first = await read();
  expect(fs.readFileSync(first)).toEqual(BYTES);
  expect(await read()).toBe(first);
});

test('overwritten in place with bytes of the same size after a good read: found damaged', async () => {
  const file = await read();
  const other = Buffer.from(BYTES);
  other[6] = 'T'.charCodeAt(0) + 1;
  fs.writeFileSync(file, other);
  await expectDamaged('damaged');
});

test('truncated after a good read: found damaged', async () => {
  fs.truncateSync(await read(), 4);
  await expectDamaged('damaged');
});

test('replaced by another file after a good read: found damaged; removed: found missing', async () => {
  const file = await read();
  fs.writeFileSync(`${file}.new`, Buffer.from('something else entirely'));
  fs.renameSync(`${file}.new`, file);
  await expectDamaged('damaged');
  fs.rmSync(file);
  await expectDamaged('missing');
});
