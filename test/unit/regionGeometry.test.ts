/**
 * Region files are validated as geometry at worker start: a bow-tie, a degenerate ring and two
 * regions overlapping beyond the tolerance are refused, naming the region and the place; the
 * vendored national file passes.
 */
import { checkRegionGeometry } from '../../adapters/regions/geometry';
import { loadRegionFile } from '../../adapters/regions';
import { parseRegions } from '../../core/geo';
import { loadConfig } from '../../config';
import { bowTie, regionFile, square } from '../support/regionFiles';

const check = (file: object, overlapTolerance = 0.001) =>
  checkRegionGeometry(parseRegions(file, 'test.geojson'), { overlapTolerance });

describe('checkRegionGeometry', () => {
  test('two squares side by side pass', () => {
    expect(() =>
      check(
        regionFile([
          { code: '1', name: 'West', ring: square(0, 45, 1) },
          { code: '2', name: 'East', ring: square(1, 45, 1) },
        ]),
      ),
    ).not.toThrow();
  });

  test('a bow-tie is refused, naming the region and the crossing point', () => {
    const file = regionFile([
      { code: '1', name: 'West', ring: square(0, 45, 1) },
      { code: '2', name: 'Knot', ring: bowTie(2, 45, 2) },
    ]);
    // The edges (2,45)-(4,47) and (4,45)-(2,47) cross at (3, 46).
    expect(() => check(file)).toThrow(
      /test\.geojson: region 2 \(Knot\) is not a valid polygon: Self-intersection at \(lon 3, lat 46\)/,
    );
  });

  test('a ring with no area is refused as degenerate', () => {
    const flat: [number, number][] = [
      [0, 45],
      [1, 45],
      [2, 45],
      [0, 45],
    ];
    expect(() => check(regionFile([{ code: '7', name: 'Line', ring: flat }]))).toThrow(
      /region 7 \(Line\) polygon 0 ring 0 is degenerate/,
    );
  });

  test('overlap beyond the tolerance is refused; within it, accepted', () => {
    // The squares share a 0.1 x 1 strip: 10 % of either.
    const file = regionFile([
      { code: '1', name: 'West', ring: square(0, 45, 1) },
      { code: '2', name: 'East', ring: square(0.9, 45, 1) },
    ]);
    expect(() => check(file)).toThrow(
      /region 1 \(West\) and region 2 \(East\) overlap over 10\.0 % of the smaller one at \(lon 0\.95, lat 45\.5\), more than REGIONS_OVERLAP_TOLERANCE=0\.001/,
    );
    expect(() => check(file, 0.2)).not.toThrow();
  });

  test('the vendored national file passes', async () => {
    const set = await loadRegionFile(loadConfig({}).regions.file);
    expect(() => checkRegionGeometry(set, { overlapTolerance: 0.001 })).not.toThrow();
  });
});
