/**
 * The shapes every part of the geo module shares. Pure data: no behaviour, no I/O.
 */

/** One region as the pipeline reports it, e.g. `{ code: '84', name: 'Auvergne-Rhône-Alpes' }`. */
export interface Region {
  code: string;
  name: string;
}

/** A lon/lat pair in degrees (WGS84), in GeoJSON order. */
export type Position = readonly [lon: number, lat: number];

/** A closed ring: the first position is repeated at the end, as GeoJSON requires. */
export type Ring = readonly Position[];

/** One polygon: an exterior ring then its holes (the polygon test only counts crossings, so order does not matter). */
export type Polygon = readonly Ring[];

/** Axis-aligned bounds in degrees, inclusive on every side. */
export interface BBox {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** The geometry of one region: a MultiPolygon (a GeoJSON Polygon becomes a one-part MultiPolygon). */
export interface RegionShape {
  polygons: readonly Polygon[];
  bbox: BBox;
}

export interface RegionSet {
  /** Sorted by code ascending; a region's NUMBER is its position in this array. */
  regions: readonly Region[];
  /** sha256 hex of the canonical form of the regions' content (see hash.ts), independent of file formatting. */
  hash: string;
  /** `shapes[n]` is the geometry of `regions[n]`. */
  shapes: readonly RegionShape[];
  /** The union of every region's bbox: outside it no point is in any region. */
  bbox: BBox;
  /** Where the polygons came from (file path or URL), for messages. */
  origin: string;
}

/** Region number meaning "in no region". */
export const NO_REGION = -1;
