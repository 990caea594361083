/**
 * Puts the Parquet files a landing wrote into the landing store, each under its key
 * (core/landingKeys.ts: source, import hour, hour it belongs to or `earlier`, bucket, batch segment,
 * sha256), and returns what the database records of them: a row per (file, hour, bucket). Used by new landings (activities/fetch.ts, which hands
 * its files over: `move`) and by the upgrade from the row store (adapters/analytics/upgrade.ts).
 * Throws when the store kept other bytes than the file's.
 */
import { createReadStream } from 'node:fs';
import { CORRECTIONS, landedFileKey } from '../../core/landingKeys';
import type { CommittedFile } from '../db/landing';
import { sha256OfStream } from '../objectStore/keys';
import type { ObjectStore } from '../objectStore/types';
import { LANDED_FILES_AT_ONCE, transferEach } from '../objectStore/transferEach';
import type { LandedFile } from './landing';

export async function storeLandedFiles(
  store: ObjectStore,
  files: readonly LandedFile[],
  batch: { source: string; importHour: Date; segment: string },
  options: { move: boolean },
): Promise<CommittedFile[]> {
  // A file of corrections (CORRECTIONS) is listed once per (hour, bucket) it holds, and put once.
  const firstOf = new Map<string, LandedFile>();
  for (const file of files) if (!firstOf.has(file.path)) firstOf.set(file.path, file);
  const paths = [...firstOf.keys()];
  // Many at a time (LANDED_FILES_AT_ONCE): each put's round trip and flush are waits the others fill.
  const stored = await transferEach(
    paths,
    async (file) => {
      const listed = firstOf.get(file) as LandedFile;
      const { sha256 } = await sha256OfStream(createReadStream(file));
      const key = landedFileKey(
        {
          source: batch.source,
          importHour: batch.importHour,
          belongsToHour: listed.corrections === true ? CORRECTIONS : listed.belongsToHour,
          bucket: listed.bucket,
        },
        batch.segment,
        sha256,
      );
      const put = await store.putFile(key, file, options.move ? { sha256, move: true } : {});
      if (put.sha256 !== sha256)
        throw new Error(`${key}: stored sha256 ${put.sha256} is not the file's ${sha256}`);
      return { key, bytes: put.bytes, sha256: put.sha256 };
    },
    LANDED_FILES_AT_ONCE,
  );
  const byPath = new Map(paths.map((file, i) => [file, stored[i] as (typeof stored)[number]]));
  return files.map((file) => ({
    ...(byPath.get(file.path) as (typeof stored)[number]),
    belongsToHour: file.belongsToHour,
    bucket: file.bucket,
    bucketCount: file.bucketCount,
    rows: file.rows,
  }));
}
