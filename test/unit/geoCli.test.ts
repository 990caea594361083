/**
 * `tempctl regions locate|assign|info`, run through commander with the real loading, on the
 * vendored files, writing real temporary files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { registerRegionsCommands } from '../../cli/commands/regions';
import { parseCsv } from '../../core/csv';

const DATA = path.resolve(__dirname, '../../data/regions');
const IGN = path.join(DATA, 'gregoiredavid-regions.geojson');

async function tempctl(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const lines: string[] = [];
  const program = new Command('tempctl').exitOverride();
  registerRegionsCommands(program, { print: (line) => lines.push(line), env });
  await program.parseAsync(['node', 'tempctl', ...args]);
  return lines;
}

describe('tempctl regions locate', () => {
  it('prints the code and name, latitude first, negative longitudes included', async () => {
    expect(await tempctl(['regions', 'locate', '48.1173', '-1.6778'])).toEqual(['53 Bretagne']);
    expect(await tempctl(['regions', 'locate', '45.7640', '4.8357'])).toEqual(['84 Auvergne-Rhône-Alpes']);
  });

  it('explains a "none": Valréas is in a hole of Auvergne-Rhône-Alpes with datanova', async () => {
    const [line] = await tempctl(['regions', 'locate', '44.3847', '4.9908']);
    expect(line).toMatch(
      /^none \(inside a hole of Auvergne-Rhône-Alpes: .*; nearest region: Auvergne-Rhône-Alpes, [\d.]+ km away\)$/,
    );
  });

  it('uses REGIONS_FILE: with the IGN file Valréas is in Provence-Alpes-Côte d’Azur', async () => {
    expect(await tempctl(['regions', 'locate', '44.3847', '4.9908'], { REGIONS_FILE: IGN })).toEqual([
      "93 Provence-Alpes-Côte d'Azur",
    ]);
  });

  it('says how far the nearest region is for a point at sea', async () => {
    const [line] = await tempctl(['regions', 'locate', '48.0', '-6.0']);
    expect(line).toMatch(/^none \(nearest region: Bretagne, \d+ km away\)$/);
  });

  it('refuses a latitude out of range', async () => {
    await expect(tempctl(['regions', 'locate', '95', '1'])).rejects.toThrow(
      'lat must be a number of degrees in [-90, 90], got "95"',
    );
  });
});

describe('tempctl regions assign', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'regions-assign-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('labels the 70 checkpoints as checkpoints.csv expects (datanova: Valréas in none), keeping every column', async () => {
    const out = path.join(dir, 'labelled.csv');
    const [summary] = await tempctl([
      'regions',
      'assign',
      '--in',
      path.join(DATA, 'checkpoints.csv'),
      '--out',
      out,
    ]);
    expect(summary).toBe(`${out}: 70 points, 55 in a region, 15 in none`);
    const [header, ...rows] = parseCsv(readFileSync(out, 'utf8')).map((r) => r.fields);
    expect(header).toEqual(['name', 'lat', 'lon', 'expected_region', 'region']);
    expect(rows).toHaveLength(70);
    for (const [name, , , expected, region] of rows) {
      expect([name, region]).toEqual([name, name?.startsWith('Valréas') ? '' : expected]);
    }
  });

  it('keeps quoted fields and extra columns, and reports rows with unusable coordinates', async () => {
    const input = path.join(dir, 'points.csv');
    const out = path.join(dir, 'labelled.csv');
    writeFileSync(
      input,
      [
        'sensor,"note, with comma",Latitude,Longitude',
        'a,"said ""hi""",48.8566,2.3522',
        'b,,north,2',
        'c,x,,',
        'd,y,0,0',
        '',
      ].join('\r\n'),
    );
    const [summary] = await tempctl(['regions', 'assign', '--in', input, '--out', out]);
    expect(summary).toBe(
      `${out}: 4 points, 1 in a region, 1 in none, 2 with unusable coordinates (lines 3, 4)`,
    );
    expect(readFileSync(out, 'utf8')).toBe(
      [
        'sensor,"note, with comma",Latitude,Longitude,region',
        'a,"said ""hi""",48.8566,2.3522,Île-de-France',
        'b,,north,2,',
        'c,x,,,',
        'd,y,0,0,',
        '',
      ].join('\n'),
    );
  });

  it('refuses a CSV without lat and lon columns, naming the file', async () => {
    const input = path.join(dir, 'points.csv');
    writeFileSync(input, 'x,y\n1,2\n');
    await expect(
      tempctl(['regions', 'assign', '--in', input, '--out', path.join(dir, 'o.csv')]),
    ).rejects.toThrow(`${input}: the header must name a lat and a lon column; it has: x, y`);
  });
});

describe('tempctl regions info', () => {
  it('shows the source, the hash and the 13 regions', async () => {
    const lines = await tempctl(['regions', 'info'], { REGIONS_FILE: IGN });
    expect(lines[0]).toBe(`source  ${IGN}`);
    expect(lines[1]).toMatch(/^hash {4}[0-9a-f]{64}$/);
    expect(lines.filter((line) => /^\s*\d+ {2}\d\d/.test(line))).toHaveLength(13);
  });
});
