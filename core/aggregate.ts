/** Per-region mean temperature and point count: the numbers the pipeline exists to produce. */

export interface RegionAggregate {
  region: string;
  temperature: number;
  numberOfPoints: number;
}

export interface PlacedTemperature {
  /** The region's name, or null for a reading in no region (not aggregated). */
  region: string | null;
  temperature: number;
}

/**
 * Groups by region and averages. Uses Neumaier's compensated sum so that the mean of millions of
 * readings does not drift with their order. Regions come out sorted by name, for stable output.
 */
export function aggregateByRegion(readings: Iterable<PlacedTemperature>): RegionAggregate[] {
  const sums = new Map<string, { sum: number; compensation: number; count: number }>();
  for (const { region, temperature } of readings) {
    if (region === null) continue;
    let entry = sums.get(region);
    if (!entry) {
      entry = { sum: 0, compensation: 0, count: 0 };
      sums.set(region, entry);
    }
    const total = entry.sum + temperature;
    entry.compensation +=
      Math.abs(entry.sum) >= Math.abs(temperature)
        ? entry.sum - total + temperature
        : temperature - total + entry.sum;
    entry.sum = total;
    entry.count += 1;
  }
  return [...sums.entries()]
    .map(([region, { sum, compensation, count }]) => ({
      region,
      temperature: (sum + compensation) / count,
      numberOfPoints: count,
    }))
    .sort((a, b) => a.region.localeCompare(b.region, 'fr'));
}
