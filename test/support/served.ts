/**
 * What a test pipeline's simulator served, and how stored aggregates are compared with the expected
 * ones (test/support/expectations.ts): helpers shared by the end-to-end tests.
 */
import type { Pipeline } from './pipeline';

type Served = Pick<Pipeline, 'simulator'>;

/** The records of the simulator's `nth` data call (0-based; calls that answered readings only). */
export function dataCallRecords(pipeline: Served, nth: number): unknown[] {
  const calls = pipeline.simulator.served.filter((call) => call.records !== null);
  const records = calls[nth]?.records;
  if (!records) throw new Error(`the simulator served no data call #${nth}`);
  return records;
}

/** The records of the simulator's latest data call. */
export function lastDataRecords(pipeline: Served): unknown[] {
  const calls = pipeline.simulator.served.filter((call) => call.records !== null);
  const records = calls[calls.length - 1]?.records;
  if (!records) throw new Error('the simulator served no data call');
  return records;
}

export interface StoredAggregate {
  region: string;
  temperature: number;
  numberOfPoints: number;
}

/**
 * The stored rows are the expected ones (`expected` in the expectations' region order): same regions
 * and counts, means equal to 9 decimals. The database orders by its collation, so `actual` is sorted
 * the same way first.
 */
export function expectSameAggregates(
  actual: readonly StoredAggregate[],
  expected: readonly StoredAggregate[],
): void {
  const sorted = [...actual].sort((a, b) => a.region.localeCompare(b.region, 'fr'));
  expect(sorted.map((r) => [r.region, r.numberOfPoints])).toEqual(
    expected.map((r) => [r.region, r.numberOfPoints]),
  );
  sorted.forEach((row, i) => expect(row.temperature).toBeCloseTo(expected[i]?.temperature ?? NaN, 9));
}
