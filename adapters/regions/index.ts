/**
 * Loads the region polygons the worker starts with: REGIONS_URL when set (through an on-disk cache),
 * otherwise REGIONS_FILE. Everything is validated by parseRegions before use, so a bad source stops
 * the worker at start with a RegionsError saying what is wrong and where.
 */
import { readFile } from 'node:fs/promises';
import { parseRegions, type RegionSet } from '../../core/geo';
import { RegionsError } from '../../core/errors';
import { parseJson } from './json';
import { loadFromUrl, type UrlLoadOptions } from './url';

export interface RegionsSource {
  file: string;
  url: string | undefined;
  cacheDir: string;
}

export { cacheFileFor, type UrlLoadOptions } from './url';

export async function loadRegionSet(config: RegionsSource, options: UrlLoadOptions = {}): Promise<RegionSet> {
  if (config.url !== undefined) return loadFromUrl(config.url, config.cacheDir, options);
  return loadRegionFile(config.file);
}

export async function loadRegionFile(file: string): Promise<RegionSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RegionsError(`${file}: cannot read the regions file (${(error as Error).message})`);
  }
  return parseRegions(parseJson(text, file), file);
}
