/**
 * Points chosen to catch an index that disagrees with the reference: uniform points, and points
 * where disagreement would hide — on and 1e-12° beside every edge, at every vertex, at the grid's
 * cell corners and the doubles next to them, densely over enclaves, islands and the overlap
 * slivers between neighbouring regions. Used by the agreement tests (test/unit/geoAgreement.test.ts) and `npm run bench:geo`.
 * Pure and deterministic (seeded), so a failure can be replayed.
 */
import { buildScanReference } from './scanReference';
import { rowBottom, columnLeft, columnOf, rowOf, type GridLayout } from './gridLayout';
import type { BBox, RegionSet } from './types';

export interface ProbeSet {
  name: string;
  lon: Float64Array;
  lat: Float64Array;
}

/** A small fast PRNG (mulberry32): reproducible points from a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Metropolitan France with a margin of sea and neighbours (the benchmark's and tests' "France bbox"). */
export const FRANCE_BBOX: BBox = { west: -5.5, south: 41.0, east: 10.0, north: 51.5 };
export const WORLD_BBOX: BBox = { west: -180, south: -90, east: 180, north: 90 };

export function uniformPoints(name: string, box: BBox, count: number, seed: number): ProbeSet {
  const random = seededRandom(seed);
  const lon = new Float64Array(count);
  const lat = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    lon[i] = box.west + random() * (box.east - box.west);
    lat[i] = box.south + random() * (box.north - box.south);
  }
  return { name, lon, lat };
}

/** A regular n × n lattice over a box, edges included. */
export function lattice(name: string, box: BBox, n: number): ProbeSet {
  const points = new PointBuffer(name);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      points.add(
        box.west + ((box.east - box.west) * i) / (n - 1),
        box.south + ((box.north - box.south) * j) / (n - 1),
      );
    }
  }
  return points.done();
}

/** Calls visit(x1, y1, x2, y2) for every edge of every ring. */
function forEachEdge(set: RegionSet, visit: (x1: number, y1: number, x2: number, y2: number) => void): void {
  for (const shape of set.shapes) {
    for (const polygon of shape.polygons) {
      for (const ring of polygon) {
        for (let i = 0; i + 1 < ring.length; i++) {
          const [x1, y1] = ring[i] as readonly [number, number];
          const [x2, y2] = ring[i + 1] as readonly [number, number];
          visit(x1, y1, x2, y2);
        }
      }
    }
  }
}

export function vertices(set: RegionSet): ProbeSet {
  const points = new PointBuffer('every vertex');
  forEachEdge(set, (x1, y1) => points.add(x1, y1));
  return points.done();
}

/** Edge midpoints (rounded: on or within an ulp of the edge), and points `offset` degrees either side along the normal. */
export function edgeNeighbourhoods(set: RegionSet, offset = 1e-12): ProbeSet[] {
  const midpoints = new PointBuffer('edge midpoints');
  const beside = new PointBuffer(`${offset}° either side of every edge`);
  forEachEdge(set, (x1, y1, x2, y2) => {
    const mx = (x1 + x2) / 2;
    const my = (y1 + y2) / 2;
    midpoints.add(mx, my);
    const length = Math.hypot(x2 - x1, y2 - y1);
    if (length === 0) return;
    const nx = (-(y2 - y1) / length) * offset;
    const ny = ((x2 - x1) / length) * offset;
    beside.add(mx + nx, my + ny);
    beside.add(mx - nx, my - ny);
  });
  return [midpoints.done(), beside.done()];
}

/** Every `every`-th vertex moved by `offset` in each of the four axis directions. */
export function vertexNeighbourhoods(set: RegionSet, offset = 1e-12, every = 1): ProbeSet {
  const points = new PointBuffer(`${offset}° around vertices`);
  let n = 0;
  forEachEdge(set, (x, y) => {
    if (n++ % every !== 0) return;
    points.add(x + offset, y);
    points.add(x - offset, y);
    points.add(x, y + offset);
    points.add(x, y - offset);
  });
  return points.done();
}

/**
 * The corners of the fine cells holding every `every`-th vertex, and the doubles next to each
 * corner coordinate: where a rounding in finding a point's cell would show.
 */
export function cellCorners(set: RegionSet, layout: GridLayout, every = 16): ProbeSet {
  const points = new PointBuffer('cell corners and their neighbouring doubles');
  let n = 0;
  forEachEdge(set, (x, y) => {
    if (n++ % every !== 0) return;
    const column = columnOf(layout, x);
    const row = rowOf(layout, y);
    for (const cornerX of [column, column + 1]) {
      for (const cornerY of [row, row + 1]) {
        // The nominal corner: the expanded rectangle's bound without its margin.
        const cx = columnLeft(layout, cornerX) + layout.marginX;
        const cy = rowBottom(layout, cornerY) + layout.marginY;
        for (const px of [nextDown(cx), cx, nextUp(cx)])
          for (const py of [nextDown(cy), cy, nextUp(cy)]) points.add(px, py);
      }
    }
  });
  return points.done();
}

/** Dense lattices over small parts (islands) and over every hole (enclaves such as the Enclave des Papes). */
export function islandsAndHoles(set: RegionSet, smallerThanDegrees = 0.5, n = 24): ProbeSet {
  const points = new PointBuffer('islands and holes');
  for (const shape of set.shapes) {
    for (const polygon of shape.polygons) {
      polygon.forEach((ring, r) => {
        const box = ringBBox(ring);
        const small = box.east - box.west < smallerThanDegrees && box.north - box.south < smallerThanDegrees;
        // Ring 0 is the exterior; a small one is an island. Any later ring is a hole.
        if (r > 0 || small) {
          const grid = lattice('', grow(box, 0.1), n);
          for (let i = 0; i < grid.lon.length; i++) points.add(grid.lon[i] as number, grid.lat[i] as number);
        }
      });
    }
  }
  return points.done();
}

/**
 * Around the vertices of one region that lie in or on another region but are not vertices of it:
 * the corners of overlap slivers (and T-junctions), where a point is inside two regions.
 */
export function overlapNeighbourhoods(
  set: RegionSet,
  offsets: readonly number[] = [1e-6, 1e-9, 1e-12],
): ProbeSet {
  const points = new PointBuffer('overlap slivers');
  const single = set.regions.map((region, n) => {
    const shape = set.shapes[n];
    if (shape === undefined) throw new Error('a region without a shape');
    const own = new Set<string>();
    for (const polygon of shape.polygons)
      for (const ring of polygon) for (const [x, y] of ring) own.add(`${x},${y}`);
    const subset: RegionSet = { regions: [region], shapes: [shape], bbox: shape.bbox, hash: '', origin: '' };
    return { own, locator: buildScanReference(subset, 4096) };
  });
  set.shapes.forEach((shape, a) => {
    for (const polygon of shape.polygons) {
      for (const ring of polygon) {
        for (const [x, y] of ring) {
          const inOther = single.some(
            (other, b) => b !== a && other.locator.locate(x, y) === 0 && !other.own.has(`${x},${y}`),
          );
          if (!inOther) continue;
          points.add(x, y);
          for (const d of offsets) {
            for (const [dx, dy] of DIRECTIONS) points.add(x + dx * d, y + dy * d);
          }
        }
      }
    }
  });
  return points.done();
}

const DIRECTIONS = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
  [1, 1],
  [1, -1],
  [-1, 1],
  [-1, -1],
] as const;

function ringBBox(ring: readonly (readonly [number, number])[]): BBox {
  const box = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
  for (const [x, y] of ring) {
    box.west = Math.min(box.west, x);
    box.east = Math.max(box.east, x);
    box.south = Math.min(box.south, y);
    box.north = Math.max(box.north, y);
  }
  return box;
}

function grow(box: BBox, fraction: number): BBox {
  const dx = (box.east - box.west) * fraction + 1e-6;
  const dy = (box.north - box.south) * fraction + 1e-6;
  return { west: box.west - dx, south: box.south - dy, east: box.east + dx, north: box.north + dy };
}

const bits = new DataView(new ArrayBuffer(8));

/** The next double above x (x finite). */
export function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  bits.setFloat64(0, x);
  const step = x > 0 ? 1n : -1n;
  bits.setBigInt64(0, bits.getBigInt64(0) + step);
  return bits.getFloat64(0);
}

/** The next double below x (x finite). */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

class PointBuffer {
  private lon: number[] = [];
  private lat: number[] = [];
  constructor(private readonly name: string) {}
  add(lon: number, lat: number): void {
    this.lon.push(lon);
    this.lat.push(lat);
  }
  done(): ProbeSet {
    return { name: this.name, lon: Float64Array.from(this.lon), lat: Float64Array.from(this.lat) };
  }
}
