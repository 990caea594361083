/**
 * REGIONS_URL with an on-disk cache. The cache is read first and the URL only fetched when there is
 * no cached copy (or when a refresh is asked for): the polygons, and so the regions hash recorded
 * with every import, then stay the same across worker restarts instead of changing whenever the
 * publisher does; and a worker can start while the publisher is down. A download is validated
 * before it replaces the cache, so a bad answer never poisons it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRegions, type RegionSet } from '../../core/geo';
import { RegionsError } from '../../core/errors';
import { parseJson } from './json';

export interface UrlLoadOptions {
  /** Download even when a cached copy exists (the `tempctl regions refresh` path). */
  refresh?: boolean;
  /** Abort the download after this long. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** The cache file for a URL: named by the URL's hash so that changing REGIONS_URL never reuses another source's copy. */
export function cacheFileFor(url: string, cacheDir: string): string {
  return path.join(cacheDir, `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.geojson`);
}

export async function loadFromUrl(
  url: string,
  cacheDir: string,
  options: UrlLoadOptions = {},
): Promise<RegionSet> {
  const cacheFile = cacheFileFor(url, cacheDir);
  // The URL may carry an API key: messages name the host only.
  const label = `REGIONS_URL (${new URL(url).host})`;
  if (options.refresh !== true) {
    const cached = await readCached(cacheFile);
    if (cached !== undefined)
      return parseRegions(parseJson(cached, cacheFile), `${label} cached in ${cacheFile}`);
  }
  const text = await download(url, label, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.refresh === true);
  const set = parseRegions(parseJson(text, label), label);
  await writeAtomically(cacheFile, text);
  return set;
}

async function readCached(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegionsError(`${file}: cannot read the regions cache (${(error as Error).message})`);
  }
}

async function download(url: string, label: string, timeoutMs: number, refreshing: boolean): Promise<string> {
  const cacheNote = refreshing ? 'the cached copy was kept' : 'there is no cached copy';
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    throw new RegionsError(`${label}: download failed (${(error as Error).message}); ${cacheNote}`);
  }
  if (!response.ok)
    throw new RegionsError(`${label}: download failed with HTTP ${response.status}; ${cacheNote}`);
  try {
    return await response.text();
  } catch (error) {
    throw new RegionsError(`${label}: download interrupted (${(error as Error).message}); ${cacheNote}`);
  }
}

/** Write then rename, so a crash mid-write leaves either the old cache or none, never half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, file);
}
