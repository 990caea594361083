/**
 * `npm run bench:geo`: turf (behind a bbox check) against the grid index, side by side on the same
 * 1 million uniform points over metropolitan France's bounding box (the datanova regions' bbox),
 * on one core. Prints points/s for both, their ratio, the index's build time and memory, and
 * checks the two agree on every point timed for turf.
 *
 * turf takes a minute or two for 1 million points; BENCH_TURF_POINTS=100000 times it on the first
 * 100,000 points only (its rate does not depend on how many points are timed). REGIONS_FILE picks
 * another file; BENCH_POINTS changes the point count.
 */
import path from 'node:path';
import { buildRegionIndex, referenceLocate } from '../core/geo';
import { uniformPoints } from '../core/geo/probePoints';
import { loadRegionFile } from '../adapters/regions';

const DEFAULT_FILE = 'data/regions/datanova-contours-geographiques-des-nouvelles-regions-metropole.geojson';

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

function rate(points: number, milliseconds: number): string {
  return `${Math.round((points / milliseconds) * 1000).toLocaleString('en-US')} points/s`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const file = path.resolve(__dirname, '..', process.env.REGIONS_FILE ?? DEFAULT_FILE);
  const pointCount = positiveInteger('BENCH_POINTS', 1_000_000);
  const turfCount = Math.min(pointCount, positiveInteger('BENCH_TURF_POINTS', pointCount));

  const set = await loadRegionFile(file);
  const points = uniformPoints('uniform', set.bbox, pointCount, 20_240_601);
  const { west, south, east, north } = set.bbox;
  console.log(
    `regions: ${path.basename(file)} (${set.regions.length} regions, hash ${set.hash.slice(0, 16)}…)`,
  );
  console.log(
    `points:  ${pointCount.toLocaleString('en-US')} uniform over lon ${west}..${east}, lat ${south}..${north}`,
  );

  let started = performance.now();
  const index = buildRegionIndex(set);
  const buildMs = performance.now() - started;

  // The index: three warm-up passes (the JIT's tiers), then the median of 9 timed passes over all the points.
  const answers = new Int16Array(pointCount);
  for (let pass = 0; pass < 3; pass++) index.assign(points.lon, points.lat, answers);
  const passes: number[] = [];
  for (let pass = 0; pass < 9; pass++) {
    started = performance.now();
    index.assign(points.lon, points.lat, answers);
    passes.push(performance.now() - started);
  }
  const indexMs = median(passes);

  // turf: one pass over the first turfCount points, comparing each answer with the index's.
  process.stderr.write(`timing turf on ${turfCount.toLocaleString('en-US')} points…\n`);
  let disagreements = 0;
  started = performance.now();
  for (let i = 0; i < turfCount; i++) {
    if (referenceLocate(set, points.lon[i] as number, points.lat[i] as number) !== answers[i])
      disagreements++;
  }
  const turfMs = performance.now() - started;

  const indexRate = pointCount / indexMs;
  const turfRate = turfCount / turfMs;
  const rows: [string, string][] = [
    [
      'turf + bbox',
      `${rate(turfCount, turfMs)}  (${turfCount.toLocaleString('en-US')} points in ${(turfMs / 1000).toFixed(1)} s)`,
    ],
    [
      'grid index',
      `${rate(pointCount, indexMs)}  (median of 9 passes: ${passes.map((ms) => ms.toFixed(1)).join(', ')} ms)`,
    ],
    ['ratio', `${Math.round(indexRate / turfRate).toLocaleString('en-US')}× turf`],
    ['build', `${buildMs.toFixed(0)} ms (first build in this process)`],
    [
      'memory',
      `${(index.memoryBytes / 2 ** 20).toFixed(1)} MiB (${index.memoryBytes.toLocaleString('en-US')} bytes: every typed array the index keeps, coordinates included)`,
    ],
    [
      'agreement',
      `${disagreements === 0 ? 'all' : 'NOT all'} ${turfCount.toLocaleString('en-US')} turf answers equal the index's (${disagreements} differ)`,
    ],
    [
      'grid',
      `${index.layout.blockColumns}×${index.layout.blockRows} blocks of ${1 << index.layout.blockShift}×${1 << index.layout.blockShift} cells (cell ${index.layout.cellWidth.toPrecision(3)}° × ${index.layout.cellHeight.toPrecision(3)}°)`,
    ],
  ];
  for (const [label, value] of rows) console.log(`${label.padEnd(12)}${value}`);
  const targets = [
    ['≥ 20M points/s', indexRate * 1000 >= 20e6],
    ['≥ 1,000× turf', indexRate / turfRate >= 1000],
    ['build ≤ 1 s', buildMs <= 1000],
    ['≤ 64 MB', index.memoryBytes <= 64e6],
  ] as const;
  console.log(`targets    ${targets.map(([name, met]) => `${name} ${met ? 'met' : 'MISSED'}`).join(', ')}`);
  if (disagreements > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
