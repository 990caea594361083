/**
 * Exact sums and the bucket merge: an hour split into any number of buckets, merged in any order,
 * gives the same bits as one pass; checked against sums computed exactly with BigInt here.
 */
import { addExact, roundExact } from '../../core/exactSum';
import { bucketCountFor, computeBucket, mergeBuckets } from '../../core/bucket';
import { aggregateByRegion } from '../../core/aggregate';
import { seededRandom } from '../../core/geo/probePoints';

/** Values with 4 decimals are k / 10^4: their exact sum is BigInt(Σk) / 10^4, rounded by division. */
function exactMean(ks: bigint[], count: number): number {
  const sum = ks.reduce((a, b) => a + b, 0n);
  return Number(sum) / 1e4 / count;
}

describe('exact summation', () => {
  test('order does not matter and cancellation is exact', () => {
    const values = [1e16, 1, -1e16, 0.1, 0.2, -0.3];
    const forward: number[] = [];
    const backward: number[] = [];
    for (const v of values) addExact(forward, v);
    for (const v of [...values].reverse()) addExact(backward, v);
    expect(roundExact(forward)).toBe(roundExact(backward));
    // 1 + (0.1 + 0.2 - 0.3 as doubles, exactly): the correctly rounded result.
    expect(roundExact(forward)).toBe(1 + 2.7755575615628914e-17);
  });
});

describe('mergeBuckets', () => {
  const random = seededRandom(7);
  const n = 20_000;
  const names = ['A', 'B', 'C'];
  const regionNumbers = new Int16Array(n);
  const temperatures = new Float64Array(n);
  const labels = new Uint8Array(n);
  const ks: bigint[][] = [[], [], []];
  for (let i = 0; i < n; i += 1) {
    const region = Math.floor(random() * 4) - 1; // -1: in no region
    const k = Math.round((random() * 80 - 30) * 1e4);
    regionNumbers[i] = region;
    temperatures[i] = k / 1e4;
    labels[i] = Math.floor(random() * 3);
    if (region >= 0) ks[region]?.push(BigInt(k));
  }
  const slice = (from: number, to: number) => ({
    regionNumbers: regionNumbers.subarray(from, to),
    temperatures: temperatures.subarray(from, to),
    labels: labels.subarray(from, to),
  });

  test('one bucket, 7 buckets and 64 buckets in reverse give the same bits, equal to a BigInt-exact mean', () => {
    const split = (parts: number) =>
      Array.from({ length: parts }, (_, p) =>
        computeBucket(slice(Math.floor((p * n) / parts), Math.floor(((p + 1) * n) / parts)), names),
      );
    const one = mergeBuckets(split(1));
    const seven = mergeBuckets(split(7));
    const many = mergeBuckets(split(64).reverse());
    expect(seven).toEqual(one);
    expect(many).toEqual(one);
    for (const [index, name] of names.entries()) {
      const row = one.aggregates.find((a) => a.region === name);
      const k = ks[index] ?? [];
      expect(row?.numberOfPoints).toBe(k.length);
      expect(row?.temperature).toBeCloseTo(exactMean(k, k.length), 12);
    }
    expect(one.stats.counted).toBe(n);
    expect(one.stats.outside).toBe(Array.from(regionNumbers).filter((r) => r < 0).length);
  });

  test('the bucket path and the one-pass aggregateByRegion agree to the bit', () => {
    const readings = Array.from(regionNumbers, (r, i) => ({
      region: r < 0 ? null : (names[r] ?? null),
      temperature: temperatures[i] ?? 0,
    }));
    expect(mergeBuckets([computeBucket(slice(0, n), names)]).aggregates).toEqual(aggregateByRegion(readings));
  });
});

describe('bucketCountFor: a new hour gets one bucket per readingsPerBucket readings, 1 to maxBuckets', () => {
  const settings = { maxBuckets: 8, readingsPerBucket: 125_000 };
  test.each([
    [0, 1],
    [1, 1],
    [100_000, 1],
    [125_000, 1],
    [125_001, 2],
    [250_000, 2],
    [999_999, 8],
    [1_000_000, 8],
    [10_000_000, 8],
  ])('%i readings: %i bucket(s)', (readings, buckets) => {
    expect(bucketCountFor(readings, settings)).toBe(buckets);
  });

  test('readingsPerBucket 1 always gives maxBuckets (for any hour with at least that many readings)', () => {
    expect(bucketCountFor(16, { maxBuckets: 16, readingsPerBucket: 1 })).toBe(16);
    expect(bucketCountFor(3, { maxBuckets: 16, readingsPerBucket: 1 })).toBe(3);
  });

  test('a negative count or a setting below 1 is refused', () => {
    expect(() => bucketCountFor(-1, settings)).toThrow(RangeError);
    expect(() => bucketCountFor(5, { maxBuckets: 0, readingsPerBucket: 1 })).toThrow(RangeError);
    expect(() => bucketCountFor(5, { maxBuckets: 1, readingsPerBucket: 0 })).toThrow(RangeError);
  });
});
