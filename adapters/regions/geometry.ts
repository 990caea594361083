/**
 * Region polygons validated as geometry, not only as JSON: a self-intersecting ring (a bow-tie),
 * a degenerate ring or two regions overlapping would make the point-in-polygon test place points
 * wrongly without a word. The validity test is JTS's (jsts IsValidOp, the OGC Simple Features
 * rules); the overlap test measures each pair's intersection area. Both stop the worker at start
 * with a RegionsError naming the region and where.
 */
import * as jsts from 'jsts';
import { RegionsError } from '../../core/errors';
import type { Polygon, RegionSet } from '../../core/geo';

export interface GeometryCheckOptions {
  /** Largest overlap allowed between two regions, as a share of the smaller one's area (REGIONS_OVERLAP_TOLERANCE). */
  overlapTolerance: number;
}

const at = (c: { x: number; y: number } | null | undefined): string =>
  c ? ` at (lon ${round(c.x)}, lat ${round(c.y)})` : '';
const round = (value: number): string => String(Math.round(value * 1e6) / 1e6);

/** Throws a RegionsError for the first invalid region, then for the first pair overlapping beyond tolerance. */
export function checkRegionGeometry(set: RegionSet, options: GeometryCheckOptions): void {
  const reader = new jsts.io.GeoJSONReader();
  const named = (n: number) => {
    const region = set.regions[n];
    return region ? `region ${region.code} (${region.name})` : `region #${n}`;
  };
  const geometries = set.shapes.map((shape, n) => {
    shape.polygons.forEach((polygon, p) =>
      checkRingsHaveArea(polygon, `${set.origin}: ${named(n)} polygon ${p}`),
    );
    const geometry = reader.read({ type: 'MultiPolygon', coordinates: shape.polygons });
    const validity = new jsts.operation.valid.IsValidOp(geometry);
    if (!validity.isValid()) {
      const error = validity.getValidationError();
      throw new RegionsError(
        `${set.origin}: ${named(n)} is not a valid polygon: ${error?.getMessage() ?? 'invalid'}${at(error?.getCoordinate())}; ` +
          'fix the ring there (a ring must not cross itself, and parts must not overlap)',
      );
    }
    return geometry;
  });

  for (let i = 0; i < geometries.length; i += 1) {
    for (let j = i + 1; j < geometries.length; j += 1) {
      const a = geometries[i] as jsts.geom.Geometry;
      const b = geometries[j] as jsts.geom.Geometry;
      if (!a.getEnvelopeInternal().intersects(b.getEnvelopeInternal())) continue;
      const overlap = a.intersection(b);
      const share = overlap.getArea() / Math.min(a.getArea(), b.getArea());
      if (share > options.overlapTolerance) {
        throw new RegionsError(
          `${set.origin}: ${named(i)} and ${named(j)} overlap over ${(share * 100).toPrecision(3)} % of the smaller one` +
            `${at(overlap.getInteriorPoint().getCoordinate())}, more than REGIONS_OVERLAP_TOLERANCE=${options.overlapTolerance}; ` +
            'a point there would be counted in one of them arbitrarily',
        );
      }
    }
  }
}

/**
 * A ring whose points are fewer than three distinct ones, or all on one line, encloses nothing.
 * (Zero signed area is not the test: a symmetric bow-tie has it too, and jsts names that one.)
 */
function checkRingsHaveArea(polygon: Polygon, where: string): void {
  polygon.forEach((ring, r) => {
    const [x0, y0] = ring[0] as readonly [number, number];
    const other = ring.find(([x, y]) => x !== x0 || y !== y0);
    const offLine =
      other !== undefined &&
      ring.some(([x, y]) => (other[0] - x0) * (y - y0) - (other[1] - y0) * (x - x0) !== 0);
    if (!offLine) {
      throw new RegionsError(
        `${where} ring ${r} is degenerate: it encloses no area (its points lie on one line)${at({ x: x0, y: y0 })}`,
      );
    }
  });
}
