/**
 * The nearest region boundary to a point, for explaining a "none": `tempctl regions locate` says
 * how far the closest region is, which tells a sensor just off the coast (metres) from one with
 * swapped or garbage coordinates (thousands of kilometres). A linear scan: a diagnostic, not a hot path.
 */
import { booleanPointInPolygon } from '@turf/turf';
import type { RegionSet } from './types';

export interface NearestRegion {
  region: number;
  /** Distance to the region's nearest edge, in km (equirectangular at the point's latitude: fine at these distances). */
  km: number;
}

const KM_PER_DEGREE_LAT = 111.2;

export function nearestRegion(set: RegionSet, lon: number, lat: number): NearestRegion | undefined {
  const kmPerDegreeLon = KM_PER_DEGREE_LAT * Math.cos((lat * Math.PI) / 180);
  let best: NearestRegion | undefined;
  set.shapes.forEach((shape, region) => {
    for (const polygon of shape.polygons) {
      for (const ring of polygon) {
        for (let i = 0; i + 1 < ring.length; i++) {
          const [x1, y1] = ring[i] as readonly [number, number];
          const [x2, y2] = ring[i + 1] as readonly [number, number];
          const km = segmentDistance(
            (x1 - lon) * kmPerDegreeLon,
            (y1 - lat) * KM_PER_DEGREE_LAT,
            (x2 - lon) * kmPerDegreeLon,
            (y2 - lat) * KM_PER_DEGREE_LAT,
          );
          if (best === undefined || km < best.km) best = { region, km };
        }
      }
    }
  });
  return best;
}

/** Distance from the origin to the segment (ax, ay)–(bx, by). */
function segmentDistance(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / lengthSquared));
  return Math.hypot(ax + t * dx, ay + t * dy);
}

/**
 * The region whose polygon would contain the point if its holes were filled: a point in no region
 * but inside such a hole is in an enclave the file leaves out (datanova's Enclave des Papes).
 */
export function regionWithHoleAround(set: RegionSet, lon: number, lat: number): number | undefined {
  for (let region = 0; region < set.shapes.length; region++) {
    for (const polygon of set.shapes[region]?.polygons ?? []) {
      const exterior = polygon[0];
      if (exterior === undefined || polygon.length < 2) continue;
      const shell = { type: 'Polygon' as const, coordinates: [exterior.map(([x, y]) => [x, y])] };
      if (booleanPointInPolygon([lon, lat], shell)) return region;
    }
  }
  return undefined;
}
