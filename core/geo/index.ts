/** The geo module: regions from GeoJSON, and which region a point is in. Pure: the loading is in adapters/regions. */
export type { BBox, Polygon, Position, Region, RegionSet, RegionShape, Ring } from './types';
export { NO_REGION } from './types';
export { parseRegions, compareCodes } from './parse';
export { regionsHash } from './hash';
export { referenceLocate } from './reference';
export type { RegionIndex, GridRegionIndex } from './region-index';
export { buildRegionIndex } from './region-index';
export type { GridLayout, LayoutOptions } from './grid-layout';
export { DEFAULT_LAYOUT } from './grid-layout';
export { buildScanReference, type PointLocator } from './scan-reference';
