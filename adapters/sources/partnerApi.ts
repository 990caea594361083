/**
 * The partner's REST API as a source: one GET per import, answering the readings of that moment.
 * A pull source: its batch has no key (the caller keys it by import hour) and nothing to acknowledge.
 * The answer is streamed to a file, never held in memory as one string.
 */
import type { PartnerApiConfig } from '../../config';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { PARTNER_API_SOURCE } from '../../core/policies';
import { downloadJsonArray } from './http';
import type { FetchOptions, Source, SourceBatch } from './types';

export function createPartnerApiSource(config: PartnerApiConfig, deps: { now?: () => Date } = {}): Source {
  const now = deps.now ?? (() => new Date());
  return {
    name: PARTNER_API_SOURCE,
    async fetch(scratchDir = os.tmpdir(), options: FetchOptions = {}): Promise<SourceBatch[]> {
      // The key is revealed only here, into the request header; it is listed as a secret so that
      // no error message built from the exchange can carry it.
      const apiKey = config.apiKey.reveal();
      const bodyFile = path.join(scratchDir, `${PARTNER_API_SOURCE}-${randomUUID()}.json`);
      const fetchedAt = now();
      const { sha256, parts, warnings } = await downloadJsonArray(
        {
          source: PARTNER_API_SOURCE,
          url: config.url,
          headers: { 'X-API-Key': apiKey },
          secrets: [apiKey],
          connectTimeoutMs: config.connectTimeoutMs,
          totalTimeoutMs: config.totalTimeoutMs,
          maxResponseBytes: config.maxResponseBytes,
          maxRetryAfterMs: config.maxRetryAfterMs,
          settings: {
            url: 'SENSOR_API_URL',
            key: 'SENSOR_API_KEY',
            connectTimeout: 'SENSOR_API_CONNECT_TIMEOUT_MS',
            totalTimeout: 'SENSOR_API_TIMEOUT_MS',
            maxBytes: 'SENSOR_API_MAX_BYTES',
          },
          now,
          signal: options.signal,
          cutInto: options.partFiles === undefined ? undefined : { files: options.partFiles },
        },
        bodyFile,
      );
      return [
        {
          source: PARTNER_API_SOURCE,
          key: null,
          fetchedAt,
          bodyFile,
          bodySha256: sha256,
          ...(parts.length > 1 ? { bodyParts: parts } : {}),
          ...(warnings.length > 0 ? { warnings } : {}),
        },
      ];
    },
    // Nothing to do: the API has no notion of consumed readings.
    acknowledge: () => Promise.resolve(),
  };
}
