/**
 * The run's SeaweedFS (started by globalSetup) as S3 settings, and fresh stores on it: each store
 * takes a random key prefix, so tests and test files sharing the bucket never meet.
 */
import { randomUUID } from 'node:crypto';
import { openObjectStore } from '../../adapters/objectStore';
import type { ObjectStore } from '../../adapters/objectStore/types';
import { loadConfig, type S3Settings } from '../../config';

export function testS3(): { s3: S3Settings; bucket: string } {
  const { TEST_S3_ENDPOINT, TEST_S3_BUCKET, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY } = process.env;
  if (!TEST_S3_ENDPOINT || !TEST_S3_BUCKET)
    throw new Error(
      'TEST_S3_ENDPOINT is unset: S3 tests run in the integration project (its globalSetup starts SeaweedFS)',
    );
  // Through loadConfig, so the tests read S3 settings the way the program does.
  const { s3 } = loadConfig({
    S3_ENDPOINT: TEST_S3_ENDPOINT,
    S3_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY: TEST_S3_SECRET_ACCESS_KEY,
  });
  return { s3, bucket: TEST_S3_BUCKET };
}

/** `s3://<bucket>/<random prefix>`: an empty store of its own. */
export function newS3StoreUrl(): string {
  return `s3://${testS3().bucket}/t-${randomUUID()}`;
}

export function newS3Store(): ObjectStore {
  return openObjectStore(newS3StoreUrl(), testS3().s3);
}
