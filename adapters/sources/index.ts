/**
 * The sources an import fetches, built by name from the configuration (SOURCES). Adding a source
 * is one adapter (fetch raw records, acknowledge what was landed) and one line in SOURCE_FACTORIES.
 */
import { requirePartnerApi, type Config } from '../../config';
import { ConfigError } from '../../core/errors';
import { FILE_DROP_SOURCE, PARTNER_API_SOURCE } from '../../core/policies';
import { createFileDropSource } from './fileDrop';
import { createPartnerApiSource } from './partnerApi';
import type { Source } from './types';

export type { Source, SourceBatch } from './types';

export interface SourceDeps {
  now?: () => Date;
}

type SourceFactory = (config: Config, deps: SourceDeps) => Source;

export const SOURCE_FACTORIES: Readonly<Record<string, SourceFactory>> = {
  // requirePartnerApi throws a ConfigError naming SENSOR_API_URL when it is unset.
  [PARTNER_API_SOURCE]: (config, deps) => createPartnerApiSource(requirePartnerApi(config), deps),
  [FILE_DROP_SOURCE]: (config, deps) => createFileDropSource(config.fileDrop, { now: deps.now }),
};

export function createSources(config: Config, deps: SourceDeps = {}): Source[] {
  // A name listed twice would fetch (and, for file-drop, consume) twice in one import.
  return [...new Set(config.sources)].map((name) => {
    const factory = Object.hasOwn(SOURCE_FACTORIES, name) ? SOURCE_FACTORIES[name] : undefined;
    if (factory === undefined) {
      const known = Object.keys(SOURCE_FACTORIES).join(', ');
      throw new ConfigError('SOURCES', `unknown source ${name} (known: ${known})`);
    }
    return factory(config, deps);
  });
}
