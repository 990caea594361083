/** The sources an import fetches, built by name from the configuration (SOURCES). */
import { requirePartnerApi, type Config } from '../../config';
import { ConfigError } from '../../core/errors';
import { createPartnerApiSource, PARTNER_API_SOURCE } from './partnerApi';
import type { Source } from './types';

export function createSources(
  config: Config,
  deps: { fetch?: typeof fetch; now?: () => Date } = {},
): Source[] {
  return config.sources.map((name) => {
    if (name === PARTNER_API_SOURCE) return createPartnerApiSource(requirePartnerApi(config), deps);
    throw new ConfigError('SOURCES', `source ${name} is not available in this build`);
  });
}
