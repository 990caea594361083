/**
 * The regions as flat typed arrays, the form the indexes loop over: every ring's positions one
 * after another (closing position included, as in the file), so the edge starting at position k
 * runs from (xs[k], ys[k]) to (xs[k+1], ys[k+1]), in the file's ring order, exactly as turf walks it.
 * Polygons are numbered region by region in code order, so a polygon's number never decreases
 * with its region's: scanning polygons in order finds the smallest containing region first.
 */
import type { RegionSet } from './types';

export interface FlatRegions {
  /** Longitude and latitude of every position of every ring. */
  xs: Float64Array;
  ys: Float64Array;
  /** The position each edge starts at; edges are numbered ring by ring, polygon by polygon. */
  edgeStart: Int32Array;
  /** The polygon each edge belongs to. */
  edgePolygon: Int32Array;
  /** The edges before and after each edge around its ring (the ring is a cycle). */
  previousEdge: Int32Array;
  nextEdge: Int32Array;
  /** The region number of each polygon. */
  polygonRegion: Int32Array;
  edgeCount: number;
  polygonCount: number;
}

export function flattenRegions(set: RegionSet): FlatRegions {
  let positionCount = 0;
  let edgeCount = 0;
  let polygonCount = 0;
  for (const shape of set.shapes) {
    for (const polygon of shape.polygons) {
      polygonCount++;
      for (const ring of polygon) {
        positionCount += ring.length;
        edgeCount += ring.length - 1;
      }
    }
  }

  const flat: FlatRegions = {
    xs: new Float64Array(positionCount),
    ys: new Float64Array(positionCount),
    edgeStart: new Int32Array(edgeCount),
    edgePolygon: new Int32Array(edgeCount),
    previousEdge: new Int32Array(edgeCount),
    nextEdge: new Int32Array(edgeCount),
    polygonRegion: new Int32Array(polygonCount),
    edgeCount,
    polygonCount,
  };

  let position = 0;
  let edge = 0;
  let polygonNumber = 0;
  set.shapes.forEach((shape, region) => {
    for (const polygon of shape.polygons) {
      flat.polygonRegion[polygonNumber] = region;
      for (const ring of polygon) {
        const firstEdge = edge;
        const lastEdge = edge + ring.length - 2;
        for (let i = 0; i < ring.length; i++) {
          const [lon, lat] = ring[i] as readonly [number, number];
          flat.xs[position + i] = lon;
          flat.ys[position + i] = lat;
        }
        for (let i = 0; i < ring.length - 1; i++, edge++) {
          flat.edgeStart[edge] = position + i;
          flat.edgePolygon[edge] = polygonNumber;
          flat.previousEdge[edge] = edge === firstEdge ? lastEdge : edge - 1;
          flat.nextEdge[edge] = edge === lastEdge ? firstEdge : edge + 1;
        }
        position += ring.length;
      }
      polygonNumber++;
    }
  });
  return flat;
}
