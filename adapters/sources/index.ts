/**
 * The sources an import fetches, built by name from the configuration (SOURCES). Adding a source
 * is one adapter (fetch raw records, acknowledge what was landed) and one line in SOURCE_FACTORIES.
 */
import { requireObjectDrop, requirePartnerApi, type Config } from '../../config';
import {
  FILE_DROP_SOURCE,
  OBJECT_DROP_SOURCE,
  PARTNER_API_SOURCE,
  type SourceName,
} from '../../core/policies';
import { openObjectStore } from '../objectStore';
import { createFileDropSource } from './fileDrop';
import { createObjectDropSource } from './objectDrop';
import { createPartnerApiSource } from './partnerApi';
import type { Source } from './types';

export type { PartedSource, Source, SourceBatch } from './types';
export { isPartedSource } from './types';

export interface SourceDeps {
  now?: () => Date;
}

type SourceFactory = (config: Config, deps: SourceDeps) => Source;

/** One factory per name of core/policies.ts' SOURCE_NAMES (the type makes a missing one a compile error). */
export const SOURCE_FACTORIES: Readonly<Record<SourceName, SourceFactory>> = {
  // requirePartnerApi throws a ConfigError naming SENSOR_API_URL when it is unset.
  [PARTNER_API_SOURCE]: (config, deps) => createPartnerApiSource(requirePartnerApi(config), deps),
  [FILE_DROP_SOURCE]: (config, deps) => createFileDropSource(config.fileDrop, { now: deps.now }),
  // The partner's bucket, reached with the S3 settings; requireObjectDrop names OBJECT_DROP_URL when unset.
  [OBJECT_DROP_SOURCE]: (config, deps) =>
    createObjectDropSource(openObjectStore(requireObjectDrop(config), config.s3), { now: deps.now }),
};

/** The configured sources, in order: `loadConfig` checked the names (SOURCES) and kept each once. */
export function createSources(config: Config, deps: SourceDeps = {}): Source[] {
  return config.sources.map((name) => SOURCE_FACTORIES[name](config, deps));
}
