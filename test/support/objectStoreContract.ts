/**
 * The ObjectStore contract (adapters/objectStore/types.ts) as a jest suite, run against every
 * implementation: the folder store in the unit project, SeaweedFS's S3 in the integration one.
 * Expected checksums come from node:crypto over the test's own bytes, never from the store.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  isChecksumMismatchError,
  isObjectExistsError,
  isObjectNotFoundError,
  isObjectStoreError,
} from '../../core/errors';
import type { ObjectStore } from '../../adapters/objectStore/types';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** `open` gives a fresh, empty store for each test (a new folder, or a new prefix in the bucket). */
export function objectStoreContract(open: () => Promise<ObjectStore>): void {
  let scratch: string;
  let store: ObjectStore;
  beforeEach(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-objects-'));
    store = await open();
  });
  afterEach(async () => {
    await fs.rm(scratch, { recursive: true, force: true });
  });

  async function file(bytes: Uint8Array): Promise<string> {
    const filePath = path.join(scratch, randomUUID());
    await fs.writeFile(filePath, bytes);
    return filePath;
  }

  test('a put object reads back byte for byte, with its size and sha256', async () => {
    const bytes = randomBytes(200_000);
    const key = 'landing/source=partner-api/import_hour=2026-11-27T14:00:00Z/bucket=07/part-0.parquet';
    const stored = await store.putFile(key, await file(bytes));
    expect(stored).toEqual({ key, bytes: bytes.length, sha256: sha256(bytes) });
    expect(await store.stat(key)).toEqual({ bytes: bytes.length });
    expect(sha256(await readAll(await store.openRead(key)))).toBe(sha256(bytes));
    expect(sha256(await fs.readFile(await store.getFile(key, scratch)))).toBe(sha256(bytes));
  });

  test('a file handed over (move) is stored as it is, and stays whole when the caller deletes its copy', async () => {
    const bytes = randomBytes(300_000);
    const handed = await file(bytes);
    const stored = await store.putFile('moved/part.parquet', handed, { sha256: sha256(bytes), move: true });
    expect(stored).toEqual({ key: 'moved/part.parquet', bytes: bytes.length, sha256: sha256(bytes) });
    await fs.rm(handed);
    expect(sha256(await readAll(await store.openRead('moved/part.parquet')))).toBe(sha256(bytes));
    // Handed over again (a retry): the same bytes are an idempotent retry.
    const again = await file(bytes);
    expect(await store.putFile('moved/part.parquet', again, { move: true })).toEqual(stored);
  });

  test('a file whose sha256 is not the expected one is refused, and nothing is written', async () => {
    const bytes = randomBytes(50_000);
    const expected = sha256(randomBytes(16));
    const error = await rejection(store.putFile('checked/copy', await file(bytes), { sha256: expected }));
    expect(isChecksumMismatchError(error)).toBe(true);
    expect(isChecksumMismatchError(error) && [error.actual, error.expected, error.retryable]).toEqual([
      sha256(bytes),
      expected,
      false,
    ]);
    expect(await store.stat('checked/copy')).toBeUndefined();
    // The right checksum is accepted.
    const stored = await store.putFile('checked/copy', await file(bytes), { sha256: sha256(bytes) });
    expect(stored.sha256).toBe(sha256(bytes));
  });

  test('an empty file is an object of zero bytes', async () => {
    const stored = await store.putFile('empty', await file(new Uint8Array()));
    expect(stored).toEqual({ key: 'empty', bytes: 0, sha256: sha256(new Uint8Array()) });
    expect(await readAll(await store.openRead('empty'))).toHaveLength(0);
  });

  test('putting the same bytes again is an idempotent retry', async () => {
    const bytes = Buffer.from('one hour of readings\n');
    const first = await store.putFile('raw/answer.json', await file(bytes));
    const again = await store.putFile('raw/answer.json', await file(bytes));
    expect(again).toEqual(first);
  });

  test('other bytes under an existing key are refused and the object is kept', async () => {
    const original = Buffer.from('first version');
    await store.putFile('raw/answer.json', await file(original));
    const error = await rejection(
      store.putFile('raw/answer.json', await file(Buffer.from('second version'))),
    );
    expect(isObjectExistsError(error)).toBe(true);
    expect(isObjectExistsError(error) && error.retryable).toBe(false);
    expect(await readAll(await store.openRead('raw/answer.json'))).toEqual(original);
  });

  test('replaceFile rewrites a damaged or missing object with checked bytes, and refuses others', async () => {
    const good = randomBytes(40_000);
    await store.putFile('landing/part.parquet', await file(good.subarray(0, 10_000)));
    const refused = await rejection(
      store.replaceFile('landing/part.parquet', await file(randomBytes(40_000)), sha256(good)),
    );
    expect(isChecksumMismatchError(refused)).toBe(true);
    expect(await store.stat('landing/part.parquet')).toEqual({ bytes: 10_000 });
    const stored = await store.replaceFile('landing/part.parquet', await file(good), sha256(good));
    expect(stored).toEqual({ key: 'landing/part.parquet', bytes: good.length, sha256: sha256(good) });
    expect(sha256(await readAll(await store.openRead('landing/part.parquet')))).toBe(sha256(good));
    // A missing object is written, and a put of the same bytes afterwards is an idempotent retry.
    await store.replaceFile('landing/gone.parquet', await file(good), sha256(good));
    expect(await store.putFile('landing/gone.parquet', await file(good))).toEqual({
      key: 'landing/gone.parquet',
      bytes: good.length,
      sha256: sha256(good),
    });
  });

  test('of two writers racing for one key with different bytes, exactly one wins', async () => {
    const a = randomBytes(300_000);
    const b = randomBytes(300_000);
    const results = await Promise.allSettled([
      store.putFile('race', await file(a)),
      store.putFile('race', await file(b)),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => isObjectExistsError(r.reason))).toEqual([true]);
    const stored = sha256(await readAll(await store.openRead('race')));
    expect(stored).toBe(won[0]?.status === 'fulfilled' ? won[0].value.sha256 : 'none');
  });

  test('a missing object: stat says undefined, reads reject with ObjectNotFoundError', async () => {
    expect(await store.stat('nothing/here')).toBeUndefined();
    const read = await rejection(store.openRead('nothing/here'));
    const get = await rejection(store.getFile('nothing/here', scratch));
    expect(isObjectNotFoundError(read)).toBe(true);
    expect(isObjectNotFoundError(get)).toBe(true);
  });

  test.each([
    ['../escape'],
    ['/absolute'],
    ['back\\slash'],
    ['a//b'],
    ['a/./b'],
    ['a/../b'],
    [''],
    ['.tmp/x'],
    ['sp ace'],
  ])('the key %j is refused before anything is written', async (key) => {
    const error = await rejection(store.putFile(key, await file(Buffer.from('x'))));
    expect(isObjectStoreError(error)).toBe(true);
    expect(isObjectStoreError(error) && error.retryable).toBe(false);
    const listed = [];
    for await (const object of store.list('')) listed.push(object);
    expect(listed).toEqual([]);
  });

  test('list gives the objects under a prefix in key order, with their sizes', async () => {
    // "a-b" < "a/b" < "a0" as strings: a folder walk must not put "a/…" first.
    const keys = ['a0', 'a/b', 'a-b', 'a/c/d', 'a/c-e', 'b/x', 'ab'];
    const sizes = new Map<string, number>();
    for (const [i, key] of keys.entries()) {
      const bytes = randomBytes(10 + i);
      sizes.set(key, bytes.length);
      await store.putFile(key, await file(bytes));
    }
    const before = Date.now();
    const list = async (prefix: string) => {
      const out = [];
      for await (const { writtenAt, ...object } of store.list(prefix)) {
        // When it was written, to the second (S3 keeps whole seconds): within this test.
        expect(writtenAt.getTime()).toBeGreaterThan(before - 60_000);
        expect(writtenAt.getTime()).toBeLessThan(Date.now() + 60_000);
        out.push(object);
      }
      return out;
    };
    const expected = (prefix: string) =>
      keys
        .filter((key) => key.startsWith(prefix))
        .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
        .map((key) => ({ key, bytes: sizes.get(key) }));
    for (const prefix of ['', 'a', 'a/', 'a/c', 'a/c/', 'b/', 'zz']) {
      expect(await list(prefix)).toEqual(expected(prefix));
    }
  });

  test('delete removes an object, and an absent one is no error', async () => {
    await store.putFile('gone/x', await file(randomBytes(100)));
    await store.putFile('kept/y', await file(randomBytes(100)));
    await store.delete('gone/x');
    await store.delete('gone/x');
    expect(await store.stat('gone/x')).toBeUndefined();
    expect(await store.stat('kept/y')).toEqual({ bytes: 100 });
  });

  test('openWrite shows the object only once completed, whole; an aborted one leaves nothing', async () => {
    const chunks = [randomBytes(300_000), randomBytes(1), randomBytes(70_000)];
    const bytes = Buffer.concat(chunks);
    const write = store.openWrite('raw/in/complete.json');
    for (const chunk of chunks) write.stream.write(chunk);
    expect(await store.stat('raw/in/complete.json')).toBeUndefined();
    expect(await write.complete()).toEqual({
      key: 'raw/in/complete.json',
      bytes: bytes.length,
      sha256: sha256(bytes),
    });
    expect(sha256(await readAll(await store.openRead('raw/in/complete.json')))).toBe(sha256(bytes));

    const aborted = store.openWrite('raw/in/aborted.json');
    aborted.stream.write(randomBytes(100_000));
    await aborted.abort();
    expect(await store.stat('raw/in/aborted.json')).toBeUndefined();
    const listed: string[] = [];
    for await (const object of store.list('')) listed.push(object.key);
    expect(listed).toEqual(['raw/in/complete.json']);
  });
}
