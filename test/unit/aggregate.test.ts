/**
 * Per-region mean and count, checked against computations written here: exact integer sums on
 * seeded random data, and BigInt-exact sums where floating-point accumulation would drift.
 */
import { aggregateByRegion, type PlacedTemperature } from '../../core/aggregate';
import { seededRandom } from '../../core/geo/probePoints';

const REGIONS_IN_ORDER = [
  'Auvergne-Rhône-Alpes',
  'Bourgogne-Franche-Comté',
  'Bretagne',
  'Centre-Val de Loire',
  'Corse',
  'Grand Est',
  'Hauts-de-France',
  'Île-de-France',
  'Normandie',
  'Nouvelle-Aquitaine',
  'Occitanie',
  'Pays de la Loire',
  "Provence-Alpes-Côte d'Azur",
];

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe('aggregateByRegion', () => {
  test('nothing in, nothing out', () => {
    expect(aggregateByRegion([])).toEqual([]);
  });

  test('a small hand-computed example', () => {
    const result = aggregateByRegion([
      { region: 'Bretagne', temperature: 10 },
      { region: 'Corse', temperature: 20 },
      { region: 'Bretagne', temperature: 13 },
      { region: null, temperature: 1000 },
      { region: 'Bretagne', temperature: -1 },
    ]);
    expect(result).toEqual([
      { region: 'Bretagne', temperature: 22 / 3, numberOfPoints: 3 },
      { region: 'Corse', temperature: 20, numberOfPoints: 1 },
    ]);
  });

  test('readings in no region are skipped entirely', () => {
    expect(
      aggregateByRegion([
        { region: null, temperature: 5 },
        { region: null, temperature: 7 },
      ]),
    ).toEqual([]);
    const withNulls = aggregateByRegion([
      { region: null, temperature: 1e9 },
      { region: 'Normandie', temperature: 4 },
      { region: null, temperature: -1e9 },
      { region: 'Normandie', temperature: 6 },
    ]);
    expect(withNulls).toEqual([{ region: 'Normandie', temperature: 5, numberOfPoints: 2 }]);
  });

  test('regions come out in French alphabetical order (Île-de-France between H and N)', () => {
    const random = seededRandom(7);
    const input: PlacedTemperature[] = shuffled(REGIONS_IN_ORDER, random).map((region) => ({
      region,
      temperature: 10,
    }));
    expect(aggregateByRegion(input).map((a) => a.region)).toEqual(REGIONS_IN_ORDER);
  });

  test('accepts any iterable, including a generator', () => {
    function* readings(): Generator<PlacedTemperature> {
      yield { region: 'Corse', temperature: 1 };
      yield { region: 'Corse', temperature: 2 };
    }
    expect(aggregateByRegion(readings())).toEqual([{ region: 'Corse', temperature: 1.5, numberOfPoints: 2 }]);
  });

  test.each([1, 2, 3, 42, 2026])('matches an exact integer computation on random data (seed %d)', (seed) => {
    const random = seededRandom(seed);
    // temperatures in hundredths of a degree, so the expected sums are exact integers
    const exact = new Map<string, { hundredths: number; count: number }>();
    const input: PlacedTemperature[] = [];
    const n = 5_000;
    for (let i = 0; i < n; i++) {
      const pick = Math.floor(random() * (REGIONS_IN_ORDER.length + 2));
      const region = REGIONS_IN_ORDER[pick] ?? null; // two chances in fifteen of no region
      const hundredths = Math.floor(random() * 8001) - 3000; // -30.00 .. 50.00 °C
      input.push({ region, temperature: hundredths / 100 });
      if (region !== null) {
        const entry = exact.get(region) ?? { hundredths: 0, count: 0 };
        entry.hundredths += hundredths;
        entry.count += 1;
        exact.set(region, entry);
      }
    }
    const result = aggregateByRegion(input);
    const expectedRegions = REGIONS_IN_ORDER.filter((r) => exact.has(r));
    expect(result.map((a) => a.region)).toEqual(expectedRegions);
    for (const aggregate of result) {
      const entry = exact.get(aggregate.region)!;
      expect(aggregate.numberOfPoints).toBe(entry.count);
      expect(aggregate.temperature).toBeCloseTo(entry.hundredths / 100 / entry.count, 10);
    }
    expect(result.reduce((total, a) => total + a.numberOfPoints, 0)).toBe(
      input.filter((r) => r.region !== null).length,
    );
  });

  test('the result does not depend on the order of the readings', () => {
    const random = seededRandom(99);
    const input: PlacedTemperature[] = Array.from({ length: 2_000 }, () => ({
      region: REGIONS_IN_ORDER[Math.floor(random() * 3)]!,
      temperature: (random() - 0.5) * 1e6,
    }));
    const a = aggregateByRegion(input);
    const b = aggregateByRegion([...input].reverse());
    const c = aggregateByRegion(shuffled(input, random));
    for (const other of [b, c]) {
      expect(other.map((x) => [x.region, x.numberOfPoints])).toEqual(
        a.map((x) => [x.region, x.numberOfPoints]),
      );
      other.forEach((x, i) => expect(x.temperature).toBeCloseTo(a[i]!.temperature, 9));
    }
  });

  test('cancellation: [1e16, 1, -1e16] averages to 1/3, not 0', () => {
    const [only] = aggregateByRegion([
      { region: 'Corse', temperature: 1e16 },
      { region: 'Corse', temperature: 1 },
      { region: 'Corse', temperature: -1e16 },
    ]);
    expect(only?.numberOfPoints).toBe(3);
    expect(only?.temperature).toBeCloseTo(1 / 3, 12);
  });

  test('a million values around 1e9 mixed with small ones: the mean matches a BigInt-exact computation', () => {
    // Every value is an integer number of 1/1024ths, exactly representable near 1e9 (ulp 2^-23), so the
    // exact sum is a BigInt of 1024ths. Large and small values alternate, so a naive running sum, whose
    // ulp grows to 0.0625, would drop most of the small ones.
    const SCALE = 1024;
    const random = seededRandom(12345);
    const n = 1_000_000;
    const input: PlacedTemperature[] = new Array<PlacedTemperature>(n);
    const BIG = 1_000_000_000 * SCALE;
    let bigCount = 0;
    let remainderScaled = 0; // at most 1e6 * 4096: an exact integer in a double
    for (let i = 0; i < n; i++) {
      let scaled: number;
      if (i % 2 === 0) {
        const offset = Math.floor(random() * 4096); // 1e9 .. 1e9 + 4
        bigCount += 1;
        remainderScaled += offset;
        scaled = BIG + offset;
      } else {
        scaled = 1 + Math.floor(random() * 31); // 1/1024 .. 31/1024, below half an ulp of the big sum
        remainderScaled += scaled;
      }
      input[i] = { region: 'Grand Est', temperature: scaled / SCALE };
    }
    const exactScaled = BigInt(bigCount) * BigInt(BIG) + BigInt(remainderScaled);
    // exact mean to 1e-6, computed in integers: mean = exactScaled / (SCALE * n)
    const MICRO = 1_000_000n;
    const exactMeanMicro = (exactScaled * MICRO) / (BigInt(SCALE) * BigInt(n));
    const exactMean = Number(exactMeanMicro) / 1e6;

    let naive = 0;
    for (const { temperature } of input) naive += temperature;
    // the test has teeth: naive summation is visibly off
    expect(Math.abs(naive / n - exactMean)).toBeGreaterThan(1e-3);

    const [result] = aggregateByRegion(input);
    expect(result?.numberOfPoints).toBe(n);
    // within a few ulps of a value near 5e8 (ulp 6e-8), plus the 1e-6 truncation of the exact mean
    expect(Math.abs(result!.temperature - exactMean)).toBeLessThan(2e-6);
  });

  test('each region accumulates separately: a huge region does not disturb a small one', () => {
    const input: PlacedTemperature[] = [];
    for (let i = 0; i < 1000; i++) {
      input.push({ region: 'Occitanie', temperature: 1e12 + i });
      input.push({ region: 'Bretagne', temperature: 0.1 * (i % 10) });
    }
    const result = aggregateByRegion(input);
    expect(result.map((a) => a.region)).toEqual(['Bretagne', 'Occitanie']);
    // Bretagne: 100 of each of 0.0 .. 0.9, mean 0.45; Occitanie: 1e12 + 499.5
    expect(result[0]!.temperature).toBeCloseTo(0.45, 12);
    expect(result[1]!.temperature).toBe(1e12 + 499.5);
  });
});
