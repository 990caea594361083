/**
 * Puts the Parquet files a landing wrote into the landing store, each under its key
 * (core/landingKeys.ts: source, import hour, hour it belongs to, bucket, batch segment, sha256), and
 * returns what the database records of them. Used by new landings (activities/fetch.ts, which hands
 * its files over: `move`) and by the upgrade from the row store (adapters/analytics/upgrade.ts).
 * Throws when the store kept other bytes than the file's.
 */
import { createReadStream } from 'node:fs';
import { landedFileKey } from '../../core/landingKeys';
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
  // Many at a time (LANDED_FILES_AT_ONCE): each put's round trip and flush are waits the others fill.
  return transferEach(
    files,
    async (file) => {
      const { sha256 } = await sha256OfStream(createReadStream(file.path));
      const key = landedFileKey(
        {
          source: batch.source,
          importHour: batch.importHour,
          belongsToHour: file.belongsToHour,
          bucket: file.bucket,
        },
        batch.segment,
        sha256,
      );
      const stored = await store.putFile(key, file.path, options.move ? { sha256, move: true } : {});
      if (stored.sha256 !== sha256)
        throw new Error(`${key}: stored sha256 ${stored.sha256} is not the file's ${sha256}`);
      return {
        key,
        belongsToHour: file.belongsToHour,
        bucket: file.bucket,
        bucketCount: file.bucketCount,
        rows: file.rows,
        bytes: stored.bytes,
        sha256: stored.sha256,
      };
    },
    LANDED_FILES_AT_ONCE,
  );
}
