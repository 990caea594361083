/**
 * The swapped-coordinates sign: of the readings outside every region, how many would fall inside
 * one with latitude and longitude swapped. A feed that writes them the wrong way round puts nearly
 * all its French readings there (issue 11, case 5); the check in core/quality.ts says so in words.
 */
import type { RegionIndex } from './geo';

/**
 * `lon`, `lat`: degrees per reading; `regionNumbers`: the index's answer for them (-1: none).
 * Returns how many of the readings with -1 land in a region when read as (lon = lat, lat = lon).
 */
export function countInsideIfSwapped(
  index: RegionIndex,
  lon: Float64Array,
  lat: Float64Array,
  regionNumbers: Int16Array,
): number {
  const outside: number[] = [];
  // |lon| > 90 cannot be a latitude: such a reading cannot be a swapped one.
  for (let i = 0; i < regionNumbers.length; i += 1)
    if ((regionNumbers[i] ?? -1) < 0 && Math.abs(lon[i] ?? 0) <= 90) outside.push(i);
  if (outside.length === 0) return 0;
  const swappedLon = Float64Array.from(outside, (i) => lat[i] ?? 0);
  const swappedLat = Float64Array.from(outside, (i) => lon[i] ?? 0);
  const found = new Int16Array(outside.length);
  index.assign(swappedLon, swappedLat, found);
  return found.filter((number) => number >= 0).length;
}
