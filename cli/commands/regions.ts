/**
 * `tempctl regions …`: the operator's view of the region polygons, answering "why is this sensor
 * in no region?" with the same loading (REGIONS_FILE / REGIONS_URL) and the same index the worker uses.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { loadRegionSet } from '../../adapters/regions';
import { buildRegionIndex, type RegionSet } from '../../core/geo';
import { labelCsv } from '../../core/geo/csvLabels';
import { nearestRegion, regionWithHoleAround } from '../../core/geo/nearest';

/** Where the commands write and which environment they read: the process's by default. */
export interface RegionsCommandIo {
  print(line: string): void;
  env: Record<string, string | undefined>;
}

const processIo: RegionsCommandIo = { print: (line) => console.log(line), env: process.env };

export function registerRegionsCommands(program: Command, io: RegionsCommandIo = processIo): void {
  const regions = program
    .command('regions')
    .description(
      'the region polygons: which region a point is in, label a CSV, show or refresh the polygons',
    );
  const load = (options: { refresh?: boolean } = {}): Promise<RegionSet> =>
    loadRegionSet(loadConfig(io.env).regions, options);

  regions
    .command('locate <lat> <lon>')
    .description('print the region containing a point (latitude first), or "none" and the nearest region')
    .action(async (latText: string, lonText: string) => {
      const lat = parseCoordinate('lat', latText, 90);
      const lon = parseCoordinate('lon', lonText, 180);
      const set = await load();
      const region = buildRegionIndex(set).locate(lon, lat);
      const found = set.regions[region];
      if (found !== undefined) {
        io.print(`${found.code} ${found.name}`);
        return;
      }
      const hints: string[] = [];
      const enclosing = regionWithHoleAround(set, lon, lat);
      if (enclosing !== undefined)
        hints.push(
          `inside a hole of ${set.regions[enclosing]?.name}: an enclave outside every region of this file`,
        );
      const nearest = nearestRegion(set, lon, lat);
      if (nearest !== undefined)
        hints.push(`nearest region: ${set.regions[nearest.region]?.name}, ${formatKm(nearest.km)} away`);
      io.print(hints.length === 0 ? 'none' : `none (${hints.join('; ')})`);
    });

  regions
    .command('assign')
    .description(
      'label a CSV with lat,lon columns: every column is kept and a "region" column added (empty for none)',
    )
    .requiredOption('--in <file>', 'the CSV to label')
    .requiredOption('--out <file>', 'where to write the labelled CSV')
    .action(async (options: { in: string; out: string }) => {
      const text = await readFile(options.in, 'utf8');
      const index = buildRegionIndex(await load());
      let labelled;
      try {
        labelled = labelCsv(text, index);
      } catch (error) {
        throw new Error(`${options.in}: ${(error as Error).message}`);
      }
      await writeFile(options.out, labelled.csv, 'utf8');
      io.print(
        `${options.out}: ${labelled.points} points, ${labelled.inRegion} in a region, ${labelled.inNoRegion} in none` +
          (labelled.invalidLines.length === 0
            ? ''
            : `, ${labelled.invalidLines.length} with unusable coordinates (lines ${summarizeLines(labelled.invalidLines)})`),
      );
    });

  regions
    .command('info')
    .description('show where the polygons come from, their hash, regions and index')
    .action(async () => {
      const set = await load();
      const started = performance.now();
      const index = buildRegionIndex(set);
      const buildMs = performance.now() - started;
      const { west, south, east, north } = set.bbox;
      io.print(`source  ${set.origin}`);
      io.print(`hash    ${set.hash}`);
      io.print(`extent  lon ${west}..${east}, lat ${south}..${north}`);
      io.print(`index   built in ${buildMs.toFixed(0)} ms, ${(index.memoryBytes / 2 ** 20).toFixed(1)} MiB`);
      set.regions.forEach((region, n) => {
        const shape = set.shapes[n];
        const rings = shape?.polygons.reduce((sum, polygon) => sum + polygon.length, 0) ?? 0;
        const vertices = shape?.polygons.flat().reduce((sum, ring) => sum + ring.length, 0) ?? 0;
        io.print(
          `${String(n).padStart(2)}  ${region.code.padEnd(4)}${region.name.padEnd(30)} ${shape?.polygons.length} polygon(s), ${rings} ring(s), ${vertices} vertices`,
        );
      });
    });

  regions
    .command('refresh')
    .description('download REGIONS_URL again and replace the cached copy (only once the download is valid)')
    .action(async () => {
      if (loadConfig(io.env).regions.url === undefined)
        throw new Error('REGIONS_URL is not set: the polygons come from REGIONS_FILE');
      const set = await load({ refresh: true });
      io.print(`${set.origin}: ${set.regions.length} regions, hash ${set.hash}`);
    });
}

function parseCoordinate(name: string, text: string, limit: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < -limit || value > limit) {
    throw new Error(
      `${name} must be a number of degrees in [-${limit}, ${limit}], got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function formatKm(km: number): string {
  return km < 1 ? `${Math.round(km * 1000)} m` : `${km.toFixed(km < 10 ? 1 : 0)} km`;
}

function summarizeLines(lines: number[]): string {
  const shown = lines.slice(0, 10).join(', ');
  return lines.length > 10 ? `${shown}, …` : shown;
}
