/** What an hour's placed readings say about data quality: outside every region, country label mismatches. */

/** What the readings counted in one hour say, for the run's summary and the quality checks. */
export interface HourStats {
  /** Readings that count in the hour (one version per reading). */
  counted: number;
  /** Of those, readings in no region. */
  outside: number;
  countryMismatches: { franceOutside: number; foreignInside: number };
  /** Readings per region name, for regions with at least one. */
  pointsPerRegion: Record<string, number>;
}

const FRANCE_LABELS = new Set(['france', 'fr', 'fra']);

export function isFranceLabel(country: string | null): boolean {
  return country !== null && FRANCE_LABELS.has(country.trim().toLowerCase());
}

export function hourStats(readings: readonly { region: string | null; country: string | null }[]): HourStats {
  const stats: HourStats = {
    counted: readings.length,
    outside: 0,
    countryMismatches: { franceOutside: 0, foreignInside: 0 },
    pointsPerRegion: {},
  };
  for (const { region, country } of readings) {
    if (region === null) {
      stats.outside += 1;
      if (isFranceLabel(country)) stats.countryMismatches.franceOutside += 1;
    } else {
      stats.pointsPerRegion[region] = (stats.pointsPerRegion[region] ?? 0) + 1;
      const labelled = country !== null && country.trim() !== '';
      if (labelled && !isFranceLabel(country)) stats.countryMismatches.foreignInside += 1;
    }
  }
  return stats;
}
