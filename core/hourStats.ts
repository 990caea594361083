/**
 * What an hour's counted readings say about data quality: readings outside every region, country
 * label mismatches, points per region. Counts only, so bucket results add up to the hour's.
 */

export interface HourStats {
  /** Readings that count in the hour (one version per reading). */
  counted: number;
  outside: number;
  countryMismatches: { franceOutside: number; foreignInside: number };
  pointsPerRegion: Record<string, number>;
  /**
   * Of the readings outside every region, how many fall inside one with latitude and longitude
   * swapped (the swapped-coordinates check, core/quality.ts). Absent in results stored before it.
   */
  outsideInsideIfSwapped?: number;
}

const FRANCE_LABELS = new Set(['france', 'fr', 'fra']);

export function isFranceLabel(country: string | null): boolean {
  return country !== null && FRANCE_LABELS.has(country.trim().toLowerCase());
}

/** A country label reduced to what the statistics need: none (null or blank), France, or another. */
export type LabelClass = 0 | 1 | 2;
export const LABEL_NONE = 0;
export const LABEL_FRANCE = 1;
export const LABEL_FOREIGN = 2;

export function labelClass(country: string | null): LabelClass {
  if (country === null || country.trim() === '') return LABEL_NONE;
  return isFranceLabel(country) ? LABEL_FRANCE : LABEL_FOREIGN;
}

export function emptyStats(): HourStats {
  return {
    counted: 0,
    outside: 0,
    countryMismatches: { franceOutside: 0, foreignInside: 0 },
    pointsPerRegion: {},
  };
}

/** Counts one reading: its region (null: in none) and its label class. */
export function countReading(stats: HourStats, region: string | null, label: LabelClass): void {
  stats.counted += 1;
  if (region === null) {
    stats.outside += 1;
    if (label === LABEL_FRANCE) stats.countryMismatches.franceOutside += 1;
  } else {
    stats.pointsPerRegion[region] = (stats.pointsPerRegion[region] ?? 0) + 1;
    if (label === LABEL_FOREIGN) stats.countryMismatches.foreignInside += 1;
  }
}

/** Adds `more` into `into` (bucket statistics into the hour's). */
export function addStats(into: HourStats, more: HourStats): HourStats {
  into.counted += more.counted;
  into.outside += more.outside;
  into.outsideInsideIfSwapped = (into.outsideInsideIfSwapped ?? 0) + (more.outsideInsideIfSwapped ?? 0);
  into.countryMismatches.franceOutside += more.countryMismatches.franceOutside;
  into.countryMismatches.foreignInside += more.countryMismatches.foreignInside;
  for (const [region, points] of Object.entries(more.pointsPerRegion)) {
    into.pointsPerRegion[region] = (into.pointsPerRegion[region] ?? 0) + points;
  }
  return into;
}

export function hourStats(readings: readonly { region: string | null; country: string | null }[]): HourStats {
  const stats = emptyStats();
  for (const { region, country } of readings) countReading(stats, region, labelClass(country));
  return stats;
}
