/**
 * Turns a parsed GeoJSON FeatureCollection into a RegionSet, refusing anything the polygon test
 * could silently get wrong. Every message names the origin and where the problem is (feature index
 * and code, polygon, ring, position), because a bad file stops the worker at start and the operator
 * has to find the fault in a 10 MB file.
 */
import { RegionsError } from '../errors';
import { regionsHash } from './hash';
import type { BBox, Polygon, Position, Region, RegionSet, RegionShape, Ring } from './types';

/** Property names for a region's code and name, in order of preference: datanova first, then IGN. */
const CODE_PROPERTIES = ['new_code', 'code'] as const;
const NAME_PROPERTIES = ['region', 'nom'] as const;

const MAX_REGIONS = 32_767;

interface ParsedFeature {
  region: Region;
  shape: RegionShape;
}

export function parseRegions(geojson: unknown, origin: string): RegionSet {
  const fail = (where: string, problem: string): never => {
    throw new RegionsError(`${origin}: ${where}${where === '' ? '' : ': '}${problem}`);
  };
  if (!isObject(geojson) || geojson.type !== 'FeatureCollection') {
    return fail('', 'not a GeoJSON FeatureCollection');
  }
  const features = geojson.features;
  if (!Array.isArray(features)) return fail('', 'FeatureCollection has no "features" array');
  if (features.length === 0) return fail('', 'FeatureCollection has no features');
  // Region numbers travel in Int16Array batches.
  if (features.length > MAX_REGIONS)
    return fail('', `${features.length} features, at most ${MAX_REGIONS} regions are supported`);

  const parsed = features.map((feature, index) => parseFeature(feature, index, fail));
  rejectDuplicates(parsed, fail);
  parsed.sort((a, b) => compareCodes(a.region.code, b.region.code));

  const regions = parsed.map((p) => p.region);
  const shapes = parsed.map((p) => p.shape);
  return {
    regions,
    shapes,
    bbox: unionBBox(shapes.map((s) => s.bbox)),
    hash: regionsHash(regions, shapes),
    origin,
  };
}

/**
 * Region order, which is also the tie rule (the smaller code wins): numeric when both codes are
 * digits, so that a hypothetical '9' sorts before '11'; otherwise by code point.
 */
export function compareCodes(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b) && Number(a) !== Number(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

type Fail = (where: string, problem: string) => never;

function parseFeature(feature: unknown, index: number, fail: Fail): ParsedFeature {
  let where = `feature ${index}`;
  if (!isObject(feature) || feature.type !== 'Feature') return fail(where, 'is not a GeoJSON Feature');
  const properties = isObject(feature.properties) ? feature.properties : {};
  const code = firstText(properties, CODE_PROPERTIES);
  if (code === undefined) return fail(where, `has no region code (property ${CODE_PROPERTIES.join(' or ')})`);
  where = `feature ${index} (code ${code})`;
  const name = firstText(properties, NAME_PROPERTIES);
  if (name === undefined) return fail(where, `has no region name (property ${NAME_PROPERTIES.join(' or ')})`);

  const geometry = feature.geometry;
  if (!isObject(geometry)) return fail(where, 'has no geometry');
  let polygonsJson: unknown[];
  if (geometry.type === 'Polygon') polygonsJson = [geometry.coordinates];
  else if (geometry.type === 'MultiPolygon' && Array.isArray(geometry.coordinates))
    polygonsJson = geometry.coordinates;
  else return fail(where, `geometry type ${JSON.stringify(geometry.type)} is not Polygon or MultiPolygon`);
  if (polygonsJson.length === 0) return fail(where, 'MultiPolygon has no polygons');

  const multi = geometry.type === 'MultiPolygon';
  const polygons = polygonsJson.map((polygon, p) =>
    parsePolygon(polygon, multi ? `${where} polygon ${p}` : where, fail),
  );
  return { region: { code, name }, shape: { polygons, bbox: unionBBox(polygons.map(polygonBBox)) } };
}

function parsePolygon(polygon: unknown, where: string, fail: Fail): Polygon {
  if (!Array.isArray(polygon) || polygon.length === 0) return fail(where, 'polygon has no rings');
  return polygon.map((ring, r) => parseRing(ring, `${where} ring ${r}`, fail));
}

function parseRing(ring: unknown, where: string, fail: Fail): Ring {
  if (!Array.isArray(ring)) return fail(where, 'is not an array of positions');
  // Four positions is the smallest closed ring GeoJSON allows (a triangle plus its closing point).
  if (ring.length < 4) return fail(where, `has ${ring.length} positions, a closed ring needs at least 4`);
  const positions = ring.map((position, i) => parsePosition(position, `${where} position ${i}`, fail));
  const first = positions[0] as Position;
  const last = positions[positions.length - 1] as Position;
  if (first[0] !== last[0] || first[1] !== last[1]) {
    return fail(
      where,
      `is not closed: first position [${first.join(', ')}] differs from last [${last.join(', ')}]`,
    );
  }
  return positions;
}

function parsePosition(position: unknown, where: string, fail: Fail): Position {
  if (!Array.isArray(position) || position.length < 2) return fail(where, 'is not a [lon, lat] position');
  const [lon, lat] = position as unknown[];
  if (typeof lon !== 'number' || !Number.isFinite(lon) || lon < -180 || lon > 180) {
    return fail(where, `longitude ${JSON.stringify(lon)} is not a number in [-180, 180]`);
  }
  if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90) {
    return fail(where, `latitude ${JSON.stringify(lat)} is not a number in [-90, 90]`);
  }
  // Altitude, if any, is dropped: regions are 2-D and the hash must not depend on it.
  return [lon, lat];
}

function rejectDuplicates(parsed: readonly ParsedFeature[], fail: Fail): void {
  const seenCodes = new Map<string, number>();
  const seenNames = new Map<string, number>();
  parsed.forEach(({ region }, index) => {
    const codeAt = seenCodes.get(region.code);
    if (codeAt !== undefined)
      fail(`feature ${index}`, `code ${region.code} is also the code of feature ${codeAt}`);
    const nameAt = seenNames.get(region.name);
    if (nameAt !== undefined)
      fail(
        `feature ${index} (code ${region.code})`,
        `name "${region.name}" is also the name of feature ${nameAt}`,
      );
    seenCodes.set(region.code, index);
    seenNames.set(region.name, index);
  });
}

function firstText(properties: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = properties[name];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  }
  return undefined;
}

function polygonBBox(polygon: Polygon): BBox {
  const box = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
  for (const ring of polygon) {
    for (const [lon, lat] of ring) {
      if (lon < box.west) box.west = lon;
      if (lon > box.east) box.east = lon;
      if (lat < box.south) box.south = lat;
      if (lat > box.north) box.north = lat;
    }
  }
  return box;
}

export function unionBBox(boxes: readonly BBox[]): BBox {
  return {
    west: Math.min(...boxes.map((b) => b.west)),
    south: Math.min(...boxes.map((b) => b.south)),
    east: Math.max(...boxes.map((b) => b.east)),
    north: Math.max(...boxes.map((b) => b.north)),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
