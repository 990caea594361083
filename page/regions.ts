/**
 * The region shapes the page draws: the simplified IGN ADMIN EXPRESS copy vendored in data/regions/
 * (5,742 vertices, small enough for a browser; see data/regions/README.md). They are for drawing
 * only: the pipeline assigns readings with REGIONS_FILE. Regions are matched to the database's rows
 * by name (the same official INSEE names in both files).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { geoArea } from 'd3-geo';
import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import { PROJECT_ROOT } from '../config';
import { RegionsError } from '../core/errors';

export const MAP_REGIONS_FILE = path.join(
  PROJECT_ROOT,
  'data/regions/gregoiredavid-regions-version-simplifiee.geojson',
);

export interface MapRegion {
  /** INSEE region code, e.g. "11". */
  code: string;
  /** Official name, as stored in region_hourly_temperature.region. */
  name: string;
  feature: Feature<Polygon | MultiPolygon>;
}

/**
 * d3-geo works on the sphere: a ring encloses the area on its right when walked in order, so an
 * exterior ring must run clockwise (as seen on a map), the opposite of RFC 7946. Drawn the other
 * way, a region is read as the whole globe minus the region and fills the map. A region is far
 * smaller than a hemisphere (2π steradians), so an area above that means the rings are the wrong
 * way round: reverse every ring (exteriors and holes alike).
 */
export function withSphericalWinding(
  feature: Feature<Polygon | MultiPolygon>,
): Feature<Polygon | MultiPolygon> {
  if (geoArea(feature) <= 2 * Math.PI) return feature;
  const reverse = (ring: Position[]) => [...ring].reverse();
  const geometry: Polygon | MultiPolygon =
    feature.geometry.type === 'Polygon'
      ? { type: 'Polygon', coordinates: feature.geometry.coordinates.map(reverse) }
      : { type: 'MultiPolygon', coordinates: feature.geometry.coordinates.map((p) => p.map(reverse)) };
  return { ...feature, geometry };
}

/** The 13 regions, by name; throws RegionsError when the file is not 13 named (Multi)Polygons. */
export function loadMapRegions(file: string = MAP_REGIONS_FILE): MapRegion[] {
  const collection = JSON.parse(readFileSync(file, 'utf8')) as FeatureCollection;
  const regions = collection.features.map((feature, i) => {
    const { code, nom } = (feature.properties ?? {}) as { code?: unknown; nom?: unknown };
    const type = feature.geometry?.type;
    if (
      typeof code !== 'string' ||
      typeof nom !== 'string' ||
      (type !== 'Polygon' && type !== 'MultiPolygon')
    )
      throw new RegionsError(`${file}: feature ${i} is not a (Multi)Polygon with "code" and "nom"`);
    return { code, name: nom, feature: withSphericalWinding(feature as Feature<Polygon | MultiPolygon>) };
  });
  if (regions.length !== 13) throw new RegionsError(`${file}: ${regions.length} regions, expected 13`);
  return regions.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}
