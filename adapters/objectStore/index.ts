/**
 * Opens the object store a setting names (LANDING_STORE_URL, BACKUP_DIR): a folder (a plain path,
 * resolved against the current folder, or `file:///abs/path`) or `s3://bucket/prefix` reached
 * with the S3 settings. Throws a non-retryable ObjectStoreError for a location it cannot read.
 */
import path from 'node:path';
import type { S3Settings } from '../../config';
import { ObjectStoreError } from '../../core/errors';
import { parseStoreLocation } from '../../core/storeLocation';
import { LocalObjectStore } from './local';
import { S3ObjectStore, s3Client } from './s3';
import type { ObjectStore } from './types';

export type { ObjectStore, StoredObject } from './types';
export { LocalObjectStore } from './local';
export { S3ObjectStore, s3Client } from './s3';
export { PrefixedObjectStore } from './prefixed';

export function openObjectStore(url: string, s3: S3Settings): ObjectStore {
  let location;
  try {
    location = parseStoreLocation(url);
  } catch (error) {
    throw new ObjectStoreError(`object store location ${(error as Error).message}`, { retryable: false });
  }
  if (location.kind === 'folder') return new LocalObjectStore(path.resolve(location.path));
  return new S3ObjectStore(location.bucket, location.prefix, s3Client(s3));
}
