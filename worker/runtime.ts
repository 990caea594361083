/**
 * Everything a worker needs, built once from the configuration at start: the database (migrated),
 * the region index, the sources and the backup store. Anything wrong here stops the worker at start
 * with a message naming the setting or the file.
 */
import type { Knex } from 'knex';
import type { Config } from '../config';
import { createDatabase, migrateToLatest } from '../adapters/db/connection';
import { loadRegionSet } from '../adapters/regions';
import { buildRegionIndex } from '../core/geo';
import { createSources } from '../adapters/sources';
import type { Source } from '../adapters/sources/types';
import { BackupStore } from '../adapters/backup/store';
import { openObjectStore } from '../adapters/objectStore';
import type { ActivityDeps } from '../activities';

export interface WorkerRuntime {
  deps: ActivityDeps;
  close(): Promise<void>;
}

export async function buildRuntime(
  config: Config,
  overrides: { db?: Knex; sources?: readonly Source[]; now?: () => Date } = {},
): Promise<WorkerRuntime> {
  const sources = overrides.sources ?? createSources(config);
  const regionSet = await loadRegionSet(config.regions);
  const regionIndex = buildRegionIndex(regionSet);
  const db = overrides.db ?? createDatabase(config.database);
  try {
    await migrateToLatest(db);
  } catch (error) {
    if (!overrides.db) await db.destroy();
    throw error;
  }
  return {
    deps: {
      db,
      sources,
      regionIndex,
      regionsHash: regionSet.hash,
      backupStore: new BackupStore(openObjectStore(config.backupDir, config.s3)),
      now: overrides.now ?? (() => new Date()),
      limits: config.validation,
      correctionStrategy: config.correctionStrategy,
      sourceFailurePolicy: config.sourceFailurePolicy,
      quality: config.quality,
      fetchMaxLagHours: config.fetchMaxLagHours,
    },
    close: async () => {
      if (!overrides.db) await db.destroy();
    },
  };
}
