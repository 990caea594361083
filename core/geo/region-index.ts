/**
 * The region index the pipeline's hot loop calls. This first version answers with the reference
 * test per point (correct by definition, slow); the grid index replaces it behind the same interface.
 */
import { referenceLocate } from './reference';
import type { Region, RegionSet } from './types';

export interface RegionIndex {
  readonly regions: readonly Region[];
  /** The region number containing (lon, lat), or -1 for none. */
  locate(lon: number, lat: number): number;
  /** `out[i] = locate(lon[i], lat[i])` for every i; allocates nothing per point. */
  assign(lon: Float64Array, lat: Float64Array, out: Int16Array): void;
}

export function buildRegionIndex(set: RegionSet): RegionIndex {
  const locate = (lon: number, lat: number): number => referenceLocate(set, lon, lat);
  return {
    regions: set.regions,
    locate,
    assign(lon, lat, out) {
      checkBatch(lon, lat, out);
      for (let i = 0; i < lon.length; i++) out[i] = locate(lon[i] as number, lat[i] as number);
    },
  };
}

export function checkBatch(lon: Float64Array, lat: Float64Array, out: Int16Array): void {
  if (lat.length !== lon.length || out.length < lon.length) {
    throw new RangeError(
      `assign: lon (${lon.length}), lat (${lat.length}) and out (${out.length}) lengths differ`,
    );
  }
}
