/**
 * The grid index gives the reference's answer, point for point, on both vendored files.
 *
 * How this is organised, since turf alone manages ~13,000 points/s on datanova:
 *   1. The band-scan reference (core/geo/scanReference.ts), which runs turf's per-edge
 *      arithmetic over every edge that can matter, is checked against turf itself on a sample
 *      of every kind of point below (~15,000 points per file).
 *   2. The grid index is checked against the band-scan reference on all of them: over 1 million
 *      uniform points over metropolitan France's bbox, 1 million worldwide, every vertex, every
 *      edge midpoint, points 1e-12° either side of every edge and around vertices, cell corners
 *      and their neighbouring doubles, dense lattices over islands and holes (the Enclave des
 *      Papes is a hole of datanova's Auvergne-Rhône-Alpes), Corsica, and around overlap slivers.
 *   3. The grid index is also checked against turf directly on the step-1 sample.
 * The index and the band scan share only the per-edge arithmetic, which step 1 ties to turf.
 */
import path from 'node:path';
import {
  buildRegionIndex,
  buildScanReference,
  referenceLocate,
  type GridRegionIndex,
  type RegionSet,
} from '../../core/geo';
import {
  FRANCE_BBOX,
  WORLD_BBOX,
  cellCorners,
  edgeNeighbourhoods,
  islandsAndHoles,
  lattice,
  overlapNeighbourhoods,
  uniformPoints,
  vertexNeighbourhoods,
  vertices,
  type ProbeSet,
} from '../../core/geo/probePoints';
import type { PointLocator } from '../../core/geo/scanReference';
import { loadRegionSet } from '../../adapters/regions';

const DATA = path.resolve(__dirname, '../../data/regions');
// SOURCES.md: datanova has 5 pairs of overlapping neighbours; IGN's topology is shared (no overlaps).
const FILES = [
  [
    'datanova',
    path.join(DATA, 'datanova-contours-geographiques-des-nouvelles-regions-metropole.geojson'),
    true,
  ],
  ['IGN', path.join(DATA, 'gregoiredavid-regions.geojson'), false],
] as const;

const MILLION = 1_000_000;
const ENCLAVE_DES_PAPES = { west: 4.83, south: 44.22, east: 5.13, north: 44.47 };

interface Mismatch {
  lon: number;
  lat: number;
  expected: number;
  actual: number;
}

/** Every point where `actual` differs from `expected`, the first few in full. */
function disagreements(
  points: ProbeSet,
  expected: (lon: number, lat: number) => number,
  actual: Int16Array,
): { count: number; first: Mismatch[] } {
  const first: Mismatch[] = [];
  let count = 0;
  for (let i = 0; i < points.lon.length; i++) {
    const lon = points.lon[i] as number;
    const lat = points.lat[i] as number;
    const want = expected(lon, lat);
    if (want !== actual[i]) {
      count++;
      if (first.length < 5) first.push({ lon, lat, expected: want, actual: actual[i] as number });
    }
  }
  return { count, first };
}

function assignAll(index: GridRegionIndex, points: ProbeSet): Int16Array {
  const out = new Int16Array(points.lon.length);
  index.assign(points.lon, points.lat, out);
  return out;
}

/** Every n-th point, so that the turf comparisons sample every part of every probe set. */
function sample(points: ProbeSet, size: number): ProbeSet {
  const step = Math.max(1, Math.floor(points.lon.length / size));
  const keep = (values: Float64Array): Float64Array => values.filter((_, i) => i % step === 0);
  return { name: points.name, lon: keep(points.lon), lat: keep(points.lat) };
}

describe.each(FILES)('the grid index on the %s file', (label, file, hasOverlaps) => {
  let set: RegionSet;
  let index: GridRegionIndex;
  let scan: PointLocator;
  let probes: ProbeSet[];

  beforeAll(async () => {
    set = await loadRegionSet({ file, url: undefined, cacheDir: '/nonexistent' });
    index = buildRegionIndex(set);
    scan = buildScanReference(set);
    const corsica = set.shapes[set.regions.findIndex((r) => r.code === '94')]?.bbox;
    if (corsica === undefined) throw new Error('no Corsica');
    probes = [
      uniformPoints('uniform over metropolitan France', FRANCE_BBOX, MILLION, 1),
      uniformPoints('uniform worldwide', WORLD_BBOX, MILLION, 2),
      vertices(set),
      ...edgeNeighbourhoods(set, 1e-12),
      vertexNeighbourhoods(set, 1e-12, 4),
      cellCorners(set, index.layout, 8),
      lattice('Enclave des Papes', ENCLAVE_DES_PAPES, 200),
      lattice('Corsica', corsica, 200),
      islandsAndHoles(set),
      overlapNeighbourhoods(set),
      lattice('bbox edges', set.bbox, 101),
    ];
  });

  it('has the probe sets the issue asks for', () => {
    const sizes = Object.fromEntries(probes.map((p) => [p.name, p.lon.length]));
    expect(sizes['uniform over metropolitan France']).toBeGreaterThanOrEqual(MILLION);
    expect(sizes['uniform worldwide']).toBeGreaterThanOrEqual(MILLION);
    for (const [name, size] of Object.entries(sizes)) {
      const expectPoints = name !== 'overlap slivers' || hasOverlaps;
      expect([name, size > 0]).toEqual([name, expectPoints]);
    }
  });

  it('uses a band-scan reference that equals turf on a sample of every probe set', () => {
    for (const points of probes) {
      const few = sample(points, 1_500);
      const scanned = Int16Array.from(few.lon, (lon, i) => scan.locate(lon, few.lat[i] as number));
      const { count, first } = disagreements(few, (lon, lat) => referenceLocate(set, lon, lat), scanned);
      expect([points.name, count, first]).toEqual([points.name, 0, []]);
    }
  });

  it('equals turf directly on the same sample', () => {
    for (const points of probes) {
      const few = sample(points, 1_500);
      const { count, first } = disagreements(
        few,
        (lon, lat) => referenceLocate(set, lon, lat),
        assignAll(index, few),
      );
      expect([points.name, count, first]).toEqual([points.name, 0, []]);
    }
  });

  it('equals the band-scan reference on every probe point (100 %)', () => {
    let total = 0;
    for (const points of probes) {
      const { count, first } = disagreements(
        points,
        (lon, lat) => scan.locate(lon, lat),
        assignAll(index, points),
      );
      expect([points.name, count, first]).toEqual([points.name, 0, []]);
      total += points.lon.length;
    }
    expect(total).toBeGreaterThan(2 * MILLION);
    // Printed so the run shows what was covered.
    console.log(
      `${label}: ${total} points agree: ${probes.map((p) => `${p.name} ${p.lon.length}`).join('; ')}`,
    );
  });

  it('gives locate() the same answers as assign()', () => {
    const points = sample(probes[0] as ProbeSet, 50_000);
    const batch = assignAll(index, points);
    points.lon.forEach((lon, i) => {
      if (index.locate(lon, points.lat[i] as number) !== batch[i])
        throw new Error(`locate differs at ${lon},${points.lat[i]}`);
    });
  });

  it('agrees on other grid shapes too, coarse and fine (the exactness does not hang on one layout)', () => {
    for (const layout of [
      { targetBlocks: 64, blockShift: 2 },
      { targetBlocks: 1 << 12, blockShift: 5 },
      { targetBlocks: 1 << 18, blockShift: 3 },
    ]) {
      const other = buildRegionIndex(set, layout);
      const points = [
        probes[0] as ProbeSet,
        ...edgeNeighbourhoods(set, 1e-12),
        cellCorners(set, other.layout, 8),
      ].map((p) => sample(p, 100_000));
      for (const p of points) {
        const { count, first } = disagreements(p, (lon, lat) => scan.locate(lon, lat), assignAll(other, p));
        expect([layout, p.name, count, first]).toEqual([layout, p.name, 0, []]);
      }
    }
  });
});
