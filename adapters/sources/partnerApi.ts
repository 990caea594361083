/**
 * The partner's REST API as a source: one GET per import, answering the readings of that moment,
 * or (SENSOR_API_PAGING) the same answer in pages, each landed by its own activity
 * (adapters/sources/pages.ts). A pull source: its batches have no key (the caller keys them by
 * import hour, and page) and nothing to acknowledge. Answers are streamed to files, never held in
 * memory as one string.
 */
import type { PartnerApiConfig } from '../../config';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { PARTNER_API_SOURCE } from '../../core/policies';
import { downloadJsonArray, type Downloaded } from './http';
import { pagedPartnerApi } from './pages';
import type { FetchOptions, Source, SourceBatch } from './types';

/** GETs `url` (the API's, or one of its pages) into a new file under `scratchDir`, as a batch. */
export type PartnerDownload = (
  url: string,
  scratchDir: string,
  options: FetchOptions,
) => Promise<{ batch: SourceBatch; headers: Downloaded['headers'] }>;

export function createPartnerApiSource(config: PartnerApiConfig, deps: { now?: () => Date } = {}): Source {
  const now = deps.now ?? (() => new Date());
  const download: PartnerDownload = async (url, scratchDir, options) => {
    // The key is revealed only here, into the request header; it is listed as a secret so that
    // no error message built from the exchange can carry it.
    const apiKey = config.apiKey.reveal();
    const bodyFile = path.join(scratchDir, `${PARTNER_API_SOURCE}-${randomUUID()}.json`);
    const fetchedAt = now();
    const { sha256, parts, warnings, headers } = await downloadJsonArray(
      {
        source: PARTNER_API_SOURCE,
        url,
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
        onBytes: options.onBytes,
      },
      bodyFile,
    );
    const batch: SourceBatch = {
      source: PARTNER_API_SOURCE,
      key: null,
      fetchedAt,
      bodyFile,
      bodySha256: sha256,
      ...(parts.length > 1 ? { bodyParts: parts } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
    return { batch, headers };
  };
  const source: Source = {
    name: PARTNER_API_SOURCE,
    async fetch(scratchDir = os.tmpdir(), options: FetchOptions = {}): Promise<SourceBatch[]> {
      return [(await download(config.url, scratchDir, options)).batch];
    },
    // Nothing to do: the API has no notion of consumed readings.
    acknowledge: () => Promise.resolve(),
  };
  const paging = config.paging;
  return paging === undefined || paging.mode === 'none'
    ? source
    : {
        ...source,
        ...pagedPartnerApi({ url: config.url, mode: paging.mode, pageSize: paging.pageSize }, download),
      };
}
