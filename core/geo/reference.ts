/**
 * The reference answer every faster index must reproduce: turf's booleanPointInPolygon with the
 * boundary counted as inside, tried region by region in code order behind each region's bbox, so
 * that a point inside several regions (a shared border, a datanova overlap sliver) goes to the
 * region with the smallest code. Slow (it walks every vertex of each candidate region) and meant
 * to be: it is the definition, kept simple enough to trust.
 */
import { booleanPointInPolygon } from '@turf/turf';
import type { MultiPolygon, Position as GeoJsonPosition } from 'geojson';
import type { BBox, RegionSet } from './types';
import { NO_REGION } from './types';

/** turf wants mutable GeoJSON arrays; building them once per set keeps the per-point cost honest. */
const geometriesBySet = new WeakMap<RegionSet, MultiPolygon[]>();

function geometriesOf(set: RegionSet): MultiPolygon[] {
  let geometries = geometriesBySet.get(set);
  if (geometries === undefined) {
    geometries = set.shapes.map((shape) => ({
      type: 'MultiPolygon',
      coordinates: shape.polygons.map((polygon) =>
        polygon.map((ring) => ring.map((position): GeoJsonPosition => [position[0], position[1]])),
      ),
    }));
    geometriesBySet.set(set, geometries);
  }
  return geometries;
}

export function inBBox(box: BBox, lon: number, lat: number): boolean {
  return lon >= box.west && lon <= box.east && lat >= box.south && lat <= box.north;
}

/** The region number containing (lon, lat), or NO_REGION. */
export function referenceLocate(set: RegionSet, lon: number, lat: number): number {
  const geometries = geometriesOf(set);
  const point: GeoJsonPosition = [lon, lat];
  for (let region = 0; region < set.regions.length; region++) {
    const shape = set.shapes[region];
    const geometry = geometries[region];
    if (shape === undefined || geometry === undefined || !inBBox(shape.bbox, lon, lat)) continue;
    if (booleanPointInPolygon(point, geometry, { ignoreBoundary: false })) return region;
  }
  return NO_REGION;
}
