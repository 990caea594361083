/**
 * Loading and validating region polygons, and the 70 checkpoints on both vendored files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildRegionIndex, parseRegions, referenceLocate, type RegionSet } from '../../core/geo';
import { isRegionsError } from '../../core/errors';
import { loadRegionSet } from '../../adapters/regions';

const DATA = path.resolve(__dirname, '../../data/regions');
const DATANOVA = path.join(DATA, 'datanova-contours-geographiques-des-nouvelles-regions-metropole.geojson');
const IGN = path.join(DATA, 'gregoiredavid-regions.geojson');

interface Checkpoint {
  name: string;
  lat: number;
  lon: number;
  expected: string;
}

const checkpoints: Checkpoint[] = readFileSync(path.join(DATA, 'checkpoints.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [name = '', lat = '', lon = '', expected = ''] = line.split(',');
    return { name, lat: Number(lat), lon: Number(lon), expected };
  });

const OFFICIAL = new Map([
  ['11', 'Île-de-France'],
  ['24', 'Centre-Val de Loire'],
  ['27', 'Bourgogne-Franche-Comté'],
  ['28', 'Normandie'],
  ['32', 'Hauts-de-France'],
  ['44', 'Grand Est'],
  ['52', 'Pays de la Loire'],
  ['53', 'Bretagne'],
  ['75', 'Nouvelle-Aquitaine'],
  ['76', 'Occitanie'],
  ['84', 'Auvergne-Rhône-Alpes'],
  ['93', "Provence-Alpes-Côte d'Azur"],
  ['94', 'Corse'],
]);

function nameAt(set: RegionSet, region: number): string {
  return region < 0 ? '' : (set.regions[region]?.name ?? `?${region}`);
}

describe.each([
  ['datanova', DATANOVA, new Set(['Valréas (Enclave des Papes)'])],
  ['IGN', IGN, new Set<string>()],
])('the %s file', (_label, file, inNoRegion) => {
  let set: RegionSet;
  beforeAll(async () => {
    set = await loadRegionSet({ file, url: undefined, cacheDir: '/nonexistent' });
  });

  it('has the 13 metropolitan regions, sorted by code, under their official names', () => {
    expect(set.regions.map((r) => [r.code, r.name])).toEqual([...OFFICIAL.entries()]);
    expect(set.shapes).toHaveLength(13);
  });

  it('places the 70 checkpoints where checkpoints.csv says (datanova: Valréas in no region)', () => {
    expect(checkpoints).toHaveLength(70);
    const index = buildRegionIndex(set);
    const lon = Float64Array.from(checkpoints, (c) => c.lon);
    const lat = Float64Array.from(checkpoints, (c) => c.lat);
    const batch = new Int16Array(checkpoints.length);
    index.assign(lon, lat, batch);
    for (const [i, c] of checkpoints.entries()) {
      const expected = inNoRegion.has(c.name) ? '' : c.expected;
      expect([c.name, nameAt(set, referenceLocate(set, c.lon, c.lat))]).toEqual([c.name, expected]);
      expect([c.name, nameAt(set, index.locate(c.lon, c.lat))]).toEqual([c.name, expected]);
      expect([c.name, nameAt(set, batch[i] ?? -2)]).toEqual([c.name, expected]);
    }
  });
});

describe('the regions hash', () => {
  const text = readFileSync(IGN, 'utf8');
  const json = JSON.parse(text) as {
    features: { properties: Record<string, unknown>; geometry: { coordinates: number[][][] } }[];
  };

  it('depends on content, not on feature order or formatting', () => {
    const original = parseRegions(json, 'a');
    const reordered = { ...json, features: [...json.features].reverse() };
    expect(parseRegions(reordered, 'b').hash).toBe(original.hash);
    expect(parseRegions(JSON.parse(JSON.stringify(json, null, 2)), 'c').hash).toBe(original.hash);
    expect(original.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when one coordinate, a name or a code changes', () => {
    const original = parseRegions(json, 'a').hash;
    const moved = structuredClone(json);
    const ring = moved.features[0]?.geometry.coordinates[0];
    const position = ring?.[1];
    if (position === undefined) throw new Error('fixture has no second position');
    position[0] = (position[0] ?? 0) + 1e-9;
    expect(parseRegions(moved, 'a').hash).not.toBe(original);
    const renamed = structuredClone(json);
    (renamed.features[0] as { properties: Record<string, unknown> }).properties.nom = 'Autre';
    expect(parseRegions(renamed, 'a').hash).not.toBe(original);
    const recoded = structuredClone(json);
    (recoded.features[0] as { properties: Record<string, unknown> }).properties.code = '01';
    expect(parseRegions(recoded, 'a').hash).not.toBe(original);
  });

  it('is the same for a Polygon and the equivalent one-part MultiPolygon', () => {
    const square = [
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 0],
      ],
    ];
    const polygon = collection([
      { code: '1', nom: 'A' },
      { type: 'Polygon', coordinates: square },
    ]);
    const multi = collection([
      { code: '1', nom: 'A' },
      { type: 'MultiPolygon', coordinates: [square] },
    ]);
    expect(parseRegions(polygon, 'p').hash).toBe(parseRegions(multi, 'm').hash);
  });
});

function collection(...features: [Record<string, unknown>, unknown][]): unknown {
  return {
    type: 'FeatureCollection',
    features: features.map(([properties, geometry]) => ({ type: 'Feature', properties, geometry })),
  };
}

describe('validation', () => {
  const triangle = [
    [
      [0, 0],
      [1, 0],
      [0, 1],
      [0, 0],
    ],
  ];
  const polygon = (coordinates: unknown): unknown => ({ type: 'Polygon', coordinates });
  const good = (code: string, name: string): [Record<string, unknown>, unknown] => [
    { code, nom: name },
    polygon(triangle),
  ];

  function messageOf(geojson: unknown): string {
    try {
      parseRegions(geojson, 'test.geojson');
    } catch (error) {
      expect(isRegionsError(error)).toBe(true);
      return (error as Error).message;
    }
    throw new Error('parseRegions accepted a bad file');
  }

  it('maps both datanova (new_code/region) and IGN (code/nom) properties', () => {
    const set = parseRegions(
      collection(
        [{ new_code: '93', region: 'PACA' }, polygon(triangle)],
        [{ code: '11', nom: 'IdF' }, polygon(triangle)],
      ),
      'mixed',
    );
    expect(set.regions).toEqual([
      { code: '11', name: 'IdF' },
      { code: '93', name: 'PACA' },
    ]);
  });

  it.each([
    ['not a FeatureCollection', { type: 'Feature' }, /test\.geojson: not a GeoJSON FeatureCollection/],
    ['no features', collection(), /has no features/],
    [
      'a Point geometry',
      collection([
        { code: '1', nom: 'A' },
        { type: 'Point', coordinates: [0, 0] },
      ]),
      /feature 0 \(code 1\): geometry type "Point" is not Polygon or MultiPolygon/,
    ],
    [
      'a missing code',
      collection(good('1', 'A'), [{ nom: 'B' }, polygon(triangle)]),
      /feature 1: has no region code/,
    ],
    [
      'a missing name',
      collection([{ code: '7' }, polygon(triangle)]),
      /feature 0 \(code 7\): has no region name/,
    ],
    [
      'duplicate names',
      collection(good('1', 'A'), good('2', 'A')),
      /feature 1 \(code 2\): name "A" is also the name of feature 0/,
    ],
    [
      'duplicate codes',
      collection(good('1', 'A'), good('1', 'B')),
      /feature 1: code 1 is also the code of feature 0/,
    ],
    [
      'an open ring',
      collection(good('1', 'A'), [
        { code: '2', nom: 'B' },
        polygon([
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        ]),
      ]),
      /feature 1 \(code 2\) ring 0: is not closed: first position \[0, 0\] differs from last \[0, 1\]/,
    ],
    [
      'a latitude out of range',
      collection([
        { code: '1', nom: 'A' },
        {
          type: 'MultiPolygon',
          coordinates: [
            triangle,
            [
              [
                [0, 0],
                [1, 0],
                [1, 91],
                [0, 0],
              ],
            ],
          ],
        },
      ]),
      /feature 0 \(code 1\) polygon 1 ring 0 position 2: latitude 91 is not a number in \[-90, 90\]/,
    ],
    [
      'a longitude that is not a number',
      collection([
        { code: '1', nom: 'A' },
        polygon([
          [
            [0, 0],
            ['1', 0],
            [1, 1],
            [0, 0],
          ],
        ]),
      ]),
      /ring 0 position 1: longitude "1" is not a number in \[-180, 180\]/,
    ],
    [
      'a ring of three positions',
      collection([
        { code: '1', nom: 'A' },
        polygon([
          [
            [0, 0],
            [1, 0],
            [0, 0],
          ],
        ]),
      ]),
      /ring 0: has 3 positions/,
    ],
    [
      'a polygon without rings',
      collection([{ code: '1', nom: 'A' }, polygon([])]),
      /feature 0 \(code 1\): polygon has no rings/,
    ],
  ])('rejects %s, saying where', (_case, geojson, message) => {
    expect(messageOf(geojson)).toMatch(message);
  });

  it('reports a missing file and invalid JSON as RegionsError naming the file', async () => {
    const missing = loadRegionSet({ file: '/nonexistent/regions.geojson', url: undefined, cacheDir: '/tmp' });
    await expect(missing).rejects.toThrow(/\/nonexistent\/regions\.geojson: cannot read the regions file/);
    await expect(loadRegionSet({ file: __filename, url: undefined, cacheDir: '/tmp' })).rejects.toThrow(
      /not valid JSON/,
    );
  });
});
