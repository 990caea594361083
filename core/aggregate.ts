/**
 * Per-region mean temperature and point count: the numbers the pipeline exists to produce.
 * Sums are exact (core/exactSum.ts), so a mean does not depend on the order of the readings nor on
 * how an hour was split into buckets: partial results merge into the same bits as one pass.
 */
import { addExact, mergeExact, roundExact, type Expansion } from './exactSum';

export interface RegionAggregate {
  region: string;
  /** Mean temperature, °C. */
  temperature: number;
  numberOfPoints: number;
}

export interface PlacedTemperature {
  /** The region's name, or null for a reading in no region (not aggregated). */
  region: string | null;
  temperature: number;
}

/** One region's exact partial sum (°C) and count; merges with any other partial of that region. */
export interface RegionPartial {
  sum: Expansion;
  count: number;
}

export type RegionPartials = Record<string, RegionPartial>;

/** Adds one reading's temperature (°C) to its region's partial. */
export function addToPartials(partials: RegionPartials, region: string, temperature: number): void {
  const entry = (partials[region] ??= { sum: [], count: 0 });
  addExact(entry.sum, temperature);
  entry.count += 1;
}

/** Merges partial results (from buckets, in any order) into one, exactly. */
export function mergePartials(parts: Iterable<RegionPartials>): RegionPartials {
  const merged: RegionPartials = {};
  for (const part of parts) {
    for (const [region, { sum, count }] of Object.entries(part)) {
      const entry = (merged[region] ??= { sum: [], count: 0 });
      mergeExact(entry.sum, sum);
      entry.count += count;
    }
  }
  return merged;
}

/** Means from partials; regions sorted by name (French collation), for stable output. */
export function aggregatesOf(partials: RegionPartials): RegionAggregate[] {
  return Object.entries(partials)
    .filter(([, { count }]) => count > 0)
    .map(([region, { sum, count }]) => ({
      region,
      temperature: roundExact(sum) / count,
      numberOfPoints: count,
    }))
    .sort((a, b) => a.region.localeCompare(b.region, 'fr'));
}

/** Groups by region and averages, in one pass (readings in no region are left out). */
export function aggregateByRegion(readings: Iterable<PlacedTemperature>): RegionAggregate[] {
  const partials: RegionPartials = {};
  for (const { region, temperature } of readings) {
    if (region !== null) addToPartials(partials, region, temperature);
  }
  return aggregatesOf(partials);
}
