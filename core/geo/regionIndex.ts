/**
 * The region index the pipeline's hot loop calls: the exact grid (gridBuild.ts explains why its
 * answers are turf's, gridIndex.ts how a point is looked up).
 */
import { buildGridTables } from './gridBuild';
import { GridLocator } from './gridIndex';
import type { GridLayout, LayoutOptions } from './gridLayout';
import type { Region, RegionSet } from './types';

export interface RegionIndex {
  readonly regions: readonly Region[];
  /** The region number containing (lon, lat), or -1 for none. */
  locate(lon: number, lat: number): number;
  /** `out[i] = locate(lon[i], lat[i])` for every i; allocates nothing per point. */
  assign(lon: Float64Array, lat: Float64Array, out: Int16Array): void;
}

/** What the grid index adds for benchmarks, diagnostics and tests. */
export interface GridRegionIndex extends RegionIndex {
  /** Bytes held by the index's tables (coordinates included). */
  readonly memoryBytes: number;
  readonly layout: GridLayout;
  /** The hash of the RegionSet it was built from. */
  readonly regionsHash: string;
}

export function buildRegionIndex(set: RegionSet, options?: LayoutOptions): GridRegionIndex {
  const tables = buildGridTables(set, options);
  const locator = new GridLocator(tables, set.bbox);
  let memoryBytes = 0;
  for (const table of Object.values(tables)) if (ArrayBuffer.isView(table)) memoryBytes += table.byteLength;
  return {
    regions: set.regions,
    memoryBytes,
    layout: tables.layout,
    regionsHash: set.hash,
    locate: (lon, lat) => locator.locate(lon, lat),
    assign(lon, lat, out) {
      if (lat.length !== lon.length || out.length < lon.length) {
        throw new RangeError(
          `assign: lon (${lon.length}), lat (${lat.length}) and out (${out.length}) lengths differ`,
        );
      }
      locator.assign(lon, lat, out);
    },
  };
}
