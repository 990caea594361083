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
import { NamedObjectStore } from './named';
import type { ObjectStore } from './types';

export type { ObjectStore, StoredObject } from './types';
export { LocalObjectStore } from './local';
export { S3ObjectStore, s3Client } from './s3';
export { PrefixedObjectStore } from './prefixed';

/** Which store a location is, for its failures: the landing or the backup store, and the setting naming it. */
export interface StoreRole {
  component: 'landing-store' | 'backup-store';
  /** The setting (or option) that holds the location: `LANDING_STORE_URL`, `BACKUP_DIR`, `--from`. */
  setting: string;
}

export const LANDING_STORE: StoreRole = { component: 'landing-store', setting: 'LANDING_STORE_URL' };
export const BACKUP_STORE: StoreRole = { component: 'backup-store', setting: 'BACKUP_DIR' };

/** The settings an S3 location is reached with, named in its failures beside the location's. */
const S3_SETTINGS = 'S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY';

export function openObjectStore(url: string, s3: S3Settings, role?: StoreRole): ObjectStore {
  let location;
  try {
    location = parseStoreLocation(url);
  } catch (error) {
    throw new ObjectStoreError(
      `${role ? `${role.setting}: ` : ''}object store location ${(error as Error).message}`,
      { retryable: false },
    );
  }
  const store =
    location.kind === 'folder'
      ? new LocalObjectStore(path.resolve(location.path))
      : new S3ObjectStore(location.bucket, location.prefix, s3Client(s3));
  if (role === undefined) return store;
  const setting = location.kind === 's3' ? `${role.setting}, ${S3_SETTINGS}` : role.setting;
  return new NamedObjectStore(store, { component: role.component, setting });
}
