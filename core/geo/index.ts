/** The geo module: regions from GeoJSON, and which region a point is in. Pure: the loading is in adapters/regions. */
export type { BBox, Polygon, Position, Region, RegionSet, RegionShape, Ring } from './types';
export { NO_REGION } from './types';
export { parseRegions, compareCodes } from './parse';
export { regionsHash } from './hash';
export { referenceLocate } from './reference';
export type { RegionIndex, GridRegionIndex } from './regionIndex';
export { buildRegionIndex } from './regionIndex';
export type { GridLayout, LayoutOptions } from './gridLayout';
export { DEFAULT_LAYOUT } from './gridLayout';
export { buildScanReference, type PointLocator } from './scanReference';
