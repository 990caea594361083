/**
 * The index on small hand-made regions whose answers are worked out by hand, and the exact sign
 * of a·b − c·d checked against BigInt arithmetic.
 */
import { buildRegionIndex, parseRegions, referenceLocate, type RegionSet } from '../../core/geo';
import { crossSign } from '../../core/geo/edgeTest';
import { seededRandom } from '../../core/geo/probePoints';

type Ring = [number, number][];

function square(west: number, south: number, east: number, north: number): Ring {
  return [
    [west, south],
    [west, north],
    [east, north],
    [east, south],
    [west, south],
  ];
}

function regions(...features: { code: string; rings: Ring[][] }[]): RegionSet {
  return parseRegions(
    {
      type: 'FeatureCollection',
      features: features.map(({ code, rings }) => ({
        type: 'Feature',
        properties: { code, nom: `Region ${code}` },
        geometry: { type: 'MultiPolygon', coordinates: rings },
      })),
    },
    'hand-made',
  );
}

/** The code at (lon, lat) from the index, the reference, and both layouts; they must all agree. */
function codeAt(set: RegionSet, lon: number, lat: number): string {
  const answers = [
    referenceLocate(set, lon, lat),
    buildRegionIndex(set).locate(lon, lat),
    buildRegionIndex(set, { targetBlocks: 4, blockShift: 1 }).locate(lon, lat),
  ];
  const codes = answers.map((n) => (n < 0 ? 'none' : (set.regions[n]?.code ?? '?')));
  if (new Set(codes).size !== 1)
    throw new Error(`reference and index disagree at ${lon},${lat}: ${codes.join(' ')}`);
  return codes[0] as string;
}

describe('borders and overlaps: the smaller code wins', () => {
  // Code 11 on the right, code 9 on the left: numerically 9 < 11, although '11' < '9' as text.
  const set = regions(
    { code: '11', rings: [[square(1, 0, 2, 1)]] },
    { code: '9', rings: [[square(0, 0, 1, 1)]] },
  );

  it('orders regions by code numerically', () => {
    expect(set.regions.map((r) => r.code)).toEqual(['9', '11']);
  });

  it.each([
    [0.5, 0.5, '9'],
    [1.5, 0.5, '11'],
    [1, 0.5, '9'], // on the shared border: inside both
    [1, 0, '9'], // a shared corner
    [2, 1, '11'], // an outer corner is inside (boundary counts)
    [2, 0.5, '11'],
    [0.5, 1, '9'], // a horizontal top edge
    [2.0000001, 0.5, 'none'],
    [0.5, -1e-12, 'none'],
    [-1, 0.5, 'none'],
    [Number.NaN, 0.5, 'none'],
  ])('(%d, %d) is in %s', (lon, lat, code) => {
    expect(codeAt(set, lon, lat)).toBe(code);
  });

  it('gives an overlap to the smaller code, whichever comes first in the file', () => {
    const overlapping = regions(
      { code: '2', rings: [[square(0, 0, 2, 2)]] },
      { code: '1', rings: [[square(1, 1, 3, 3)]] },
    );
    expect(codeAt(overlapping, 1.5, 1.5)).toBe('1');
    expect(codeAt(overlapping, 0.5, 0.5)).toBe('2');
    expect(codeAt(overlapping, 2.5, 2.5)).toBe('1');
  });
});

describe('holes, islands and enclaves', () => {
  // Region 1: a square with a square hole; region 2 is an island inside that hole, smaller than it;
  // region 1 also has a second part (an island) far to the east.
  const set = regions(
    { code: '1', rings: [[square(0, 0, 10, 10), square(3, 3, 7, 7)], [square(20, 0, 21, 1)]] },
    { code: '2', rings: [[square(4, 4, 6, 6)]] },
  );

  it.each([
    [1, 1, '1'],
    [3.5, 3.5, 'none'], // in the hole, outside the island: an enclave of no region
    [5, 5, '2'],
    [3, 5, '1'], // on the hole's boundary: the boundary counts as inside
    [4, 5, '2'],
    [20.5, 0.5, '1'], // the second part
    [15, 0.5, 'none'],
  ])('(%d, %d) is in %s', (lon, lat, code) => {
    expect(codeAt(set, lon, lat)).toBe(code);
  });
});

describe('rings with repeated vertices and horizontal edges', () => {
  const ring: Ring = [
    [0, 0],
    [0, 0], // a zero-length edge
    [0, 2],
    [1, 2],
    [1, 1],
    [2, 1], // a horizontal edge at lat 1
    [2, 0],
    [2, 0],
    [0, 0],
  ];
  const set = regions({ code: '5', rings: [[ring]] });
  it.each([
    [0, 0, '5'],
    [1.5, 1, '5'], // on the horizontal edge
    [1.5, 1.5, 'none'], // the notch
    [0.5, 1, '5'],
    [2, 1, '5'],
    [2.5, 1, 'none'],
  ])('(%d, %d) is in %s', (lon, lat, code) => {
    expect(codeAt(set, lon, lat)).toBe(code);
  });
});

describe('assign', () => {
  const set = regions({ code: '1', rings: [[square(0, 0, 1, 1)]] });
  const index = buildRegionIndex(set);

  it('fills the output, -1 for none', () => {
    const out = new Int16Array(3).fill(7);
    index.assign(Float64Array.of(0.5, 5, 1), Float64Array.of(0.5, 5, 1), out);
    expect([...out]).toEqual([0, -1, 0]);
  });

  it('refuses arrays of different lengths', () => {
    expect(() => index.assign(new Float64Array(2), new Float64Array(3), new Int16Array(3))).toThrow(
      RangeError,
    );
    expect(() => index.assign(new Float64Array(3), new Float64Array(3), new Int16Array(2))).toThrow(
      RangeError,
    );
  });
});

describe('the exact sign of a·b − c·d', () => {
  /** A double as an exact integer multiple of 2^-1074 (the smallest subnormal). */
  function exact(x: number): bigint {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    const high = view.getUint32(0);
    const exponent = (high >>> 20) & 0x7ff;
    let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4));
    if (exponent !== 0) mantissa |= 1n << 52n;
    const scaled = mantissa << BigInt(Math.max(exponent, 1) - 1);
    return high >>> 31 === 1 ? -scaled : scaled;
  }
  const trueSign = (a: number, b: number, c: number, d: number): number => {
    const value = exact(a) * exact(b) - exact(c) * exact(d);
    return value > 0n ? 1 : value < 0n ? -1 : 0;
  };

  it('matches exact integer arithmetic where floating point cannot decide', () => {
    const random = seededRandom(7);
    let wrong = 0;
    for (let i = 0; i < 100_000; i++) {
      // Coordinates-like differences, with a·b and c·d equal or within an ulp or two of each other.
      const a = (random() - 0.5) * 2 ** -Math.floor(random() * 40);
      const c = random() - 0.5;
      const d = (random() - 0.5) * 2 ** -Math.floor(random() * 40);
      const b = ((c * d) / a) * (1 + (random() < 0.5 ? 0 : (random() - 0.5) * 4e-16));
      if (crossSign(a, b, c, d) !== trueSign(a, b, c, d)) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('is zero exactly when the products are equal', () => {
    expect(crossSign(3, 0.1, 0.1, 3)).toBe(0);
    expect(crossSign(0.1, 0.2, 0.2, 0.1)).toBe(0);
    expect(crossSign(1 + 2 ** -52, 1 - 2 ** -53, 1, 1)).toBe(trueSign(1 + 2 ** -52, 1 - 2 ** -53, 1, 1));
  });
});
