/**
 * The S3 object store against SeaweedFS (started by the integration globalSetup): the shared
 * ObjectStore contract, the server honouring `If-None-Match: *` (which write-once relies on), a
 * multipart race, and a 300 MB object written and read back in bounded memory in both stores.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalObjectStore, s3Client } from '../../adapters/objectStore';
import type { ObjectStore } from '../../adapters/objectStore/types';
import { isObjectExistsError, isObjectStoreError } from '../../core/errors';
import { objectStoreContract, sha256 } from '../support/objectStoreContract';
import { newS3Store, newS3StoreUrl, testS3 } from '../support/s3';
import { openObjectStore } from '../../adapters/objectStore';

describe('S3ObjectStore on SeaweedFS', () => {
  objectStoreContract(() => Promise.resolve(newS3Store()));
});

describe('SeaweedFS semantics the S3 store relies on', () => {
  test('a conditional put (If-None-Match: *) of an existing key is refused with 412', async () => {
    const { s3, bucket } = testS3();
    const client = s3Client(s3);
    const Key = `cond-${randomBytes(8).toString('hex')}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'first', IfNoneMatch: '*' }));
    const second = await client
      .send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'second', IfNoneMatch: '*' }))
      .then(
        () => undefined,
        (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
      );
    client.destroy();
    expect(second).toBe(412);
  });

  test('wrong credentials are a non-retryable store error that names no secret', async () => {
    const { s3 } = testS3();
    const wrong = 'definitely-not-the-secret';
    const store = openObjectStore(newS3StoreUrl(), {
      ...s3,
      credentials: {
        accessKeyId: s3.credentials?.accessKeyId ?? 'x',
        secretAccessKey: { reveal: () => wrong } as never,
      },
    });
    const error = await store.stat('anything').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isObjectStoreError(error)).toBe(true);
    expect(isObjectStoreError(error) && error.retryable).toBe(false);
    expect(String((error as Error).message)).not.toContain(wrong);
  });
});

describe('large objects', () => {
  const SIZE = 300 * 1024 * 1024;
  let dir: string;
  let bigFile: string;
  let expected: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-big-'));
    bigFile = path.join(dir, 'big.bin');
    // 1 MiB of random bytes, each copy stamped with its index: no two MiB alike, the hash computed here.
    const block = randomBytes(1024 * 1024);
    const hash = createHash('sha256');
    const out = await fs.open(bigFile, 'w');
    for (let i = 0; i < SIZE / block.length; i++) {
      block.writeUInt32BE(i, 0);
      hash.update(block);
      await out.write(block);
    }
    await out.close();
    expected = hash.digest('hex');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Runs `work` while sampling the RSS every 20 ms; returns the peak growth over the start, in bytes. */
  async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
    global.gc?.();
    const start = process.memoryUsage().rss;
    let peak = start;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      await work();
    } finally {
      clearInterval(timer);
    }
    return Math.max(peak, process.memoryUsage().rss) - start;
  }

  async function hashOf(stream: NodeJS.ReadableStream): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of stream) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }

  const stores: [string, () => Promise<ObjectStore>][] = [
    ['SeaweedFS', () => Promise.resolve(newS3Store())],
    ['a folder', async () => new LocalObjectStore(await fs.mkdtemp(path.join(dir, 'store-')))],
  ];

  test.each(stores)(
    'a 300 MB object in %s: written, read and downloaded whole, RSS far below its size',
    async (_name, open) => {
      const store = await open();
      const key = 'landing/import_hour=2026-11-27T14:00:00Z/raw.json';
      let stored;
      let read = '';
      let downloaded = '';
      const growth = await peakRssGrowth(async () => {
        stored = await store.putFile(key, bigFile);
        read = await hashOf(await store.openRead(key));
        const copy = await store.getFile(key, path.join(dir, 'scratch'));
        downloaded = await hashOf(createReadStream(copy));
      });
      expect(stored).toEqual({ key, bytes: SIZE, sha256: expected });
      expect(read).toBe(expected);
      expect(downloaded).toBe(expected);
      expect(await store.stat(key)).toEqual({ bytes: SIZE });
      console.log(
        `${_name}: 300 MB put + read + download, peak RSS growth ${(growth / 2 ** 20).toFixed(0)} MB`,
      );
      // Streamed: parts of 8 MiB, 4 in flight, plus the SDK's and stream buffers, whose garbage is
      // collected late under load (67 to 157 MB seen). A body held whole would add at least SIZE.
      expect(growth).toBeLessThan((2 / 3) * SIZE);
    },
  );

  test('two multipart writers racing for one key with different bytes: one wins, the other is refused', async () => {
    const store = newS3Store();
    const other = path.join(dir, 'other.bin');
    const bytes = randomBytes(20 * 1024 * 1024); // three parts of 8 MiB: a multipart upload
    await fs.writeFile(other, bytes);
    const small = path.join(dir, 'small.bin');
    await fs.writeFile(small, bytes.subarray(0, 17 * 1024 * 1024));
    const results = await Promise.allSettled([store.putFile('race', other), store.putFile('race', small)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => isObjectExistsError(r.reason))).toEqual([true]);
    const winner = won[0]?.status === 'fulfilled' ? won[0].value : undefined;
    expect(await hashOf(await store.openRead('race'))).toBe(winner?.sha256);
    expect([sha256(bytes), sha256(bytes.subarray(0, 17 * 1024 * 1024))]).toContain(winner?.sha256);
  });
});
