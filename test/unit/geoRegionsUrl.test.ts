/**
 * REGIONS_URL: downloaded over real loopback HTTP, validated, cached on disk, and the cache used
 * when the publisher is down.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cacheFileFor, loadRegionSet } from '../../adapters/regions';
import { isRegionsError } from '../../core/errors';

const IGN = path.resolve(__dirname, '../../data/regions/gregoiredavid-regions.geojson');

interface Publisher {
  url: string;
  requests: number;
  respond: { status: number; body: string };
  close(): Promise<void>;
}

async function startPublisher(): Promise<Publisher> {
  const publisher = { requests: 0, respond: { status: 200, body: readFileSync(IGN, 'utf8') } } as Publisher;
  const server: Server = createServer((_request, response) => {
    publisher.requests++;
    response.writeHead(publisher.respond.status, { 'content-type': 'application/geo+json' });
    response.end(publisher.respond.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  publisher.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/exports/geojson?key=secret`;
  publisher.close = () => new Promise((resolve) => server.close(() => resolve()));
  return publisher;
}

describe('loading regions from REGIONS_URL', () => {
  let cacheDir: string;
  let publisher: Publisher;
  beforeEach(async () => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'regions-cache-'));
    publisher = await startPublisher();
  });
  afterEach(async () => {
    await publisher.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('downloads, caches, then starts from the cache without asking the publisher again', async () => {
    const source = { file: '/unused', url: publisher.url, cacheDir };
    const first = await loadRegionSet(source);
    expect(first.regions).toHaveLength(13);
    expect(publisher.requests).toBe(1);
    expect(existsSync(cacheFileFor(publisher.url, cacheDir))).toBe(true);

    await publisher.close();
    const second = await loadRegionSet(source);
    expect(second.hash).toBe(first.hash);
    publisher = await startPublisher(); // afterEach closes it
  });

  it('refuses an invalid download, naming the host but not the query, and caches nothing', async () => {
    publisher.respond = { status: 200, body: JSON.stringify({ type: 'FeatureCollection', features: [] }) };
    const load = loadRegionSet({ file: '/unused', url: publisher.url, cacheDir });
    const error: unknown = await load.catch((e: unknown) => e);
    expect(isRegionsError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^REGIONS_URL \(127\.0\.0\.1:\d+\): FeatureCollection has no features$/,
    );
    expect(existsSync(cacheFileFor(publisher.url, cacheDir))).toBe(false);
  });

  it('fails with the HTTP status when the publisher errs and nothing is cached', async () => {
    publisher.respond = { status: 503, body: 'busy' };
    await expect(loadRegionSet({ file: '/unused', url: publisher.url, cacheDir })).rejects.toThrow(
      /download failed with HTTP 503; there is no cached copy/,
    );
  });

  it('keeps the cached copy when a refresh fails', async () => {
    const source = { file: '/unused', url: publisher.url, cacheDir };
    const cached = await loadRegionSet(source);
    publisher.respond = { status: 500, body: '' };
    await expect(loadRegionSet(source, { refresh: true })).rejects.toThrow(
      /HTTP 500; the cached copy was kept/,
    );
    expect((await loadRegionSet(source)).hash).toBe(cached.hash);
  });
});
