/**
 * The data-quality checks an import runs before it stores anything. Each is set to warn, to fail
 * the run, or off; a failed check says which check and why. Pure: the caller gathers the inputs.
 */

import type { CheckAction } from './policies';

export type { CheckAction } from './policies';

export interface QualitySettings {
  noValidReadings: CheckAction;
  rejectedShare: { action: CheckAction; max: number };
  regionWentSilent: CheckAction;
  /** Share of counted readings outside every region above `max` (off when absent). */
  outsideShare?: { action: CheckAction; max: number };
  /** Readings outside every region that would fall inside one with lat/lon swapped (off when absent). */
  swappedCoordinates?: CheckAction;
}

export interface QualityInput {
  fetched: number;
  rejected: number;
  /** Readings that count in the hour. */
  counted: number;
  /** Regions with points this hour. */
  regionsNow: readonly string[];
  /** For each of the previous imports, newest first, the regions that had points. */
  previousImports: readonly (readonly string[])[];
  /** Counted readings outside every region. */
  outside?: number;
  /** Placed readings outside every region, and how many of them fall inside one once swapped. */
  swapped?: { outside: number; insideIfSwapped: number };
  /** Rejected records by reason code, and one reason's message for each (the quarantine's). */
  rejectedByReason?: Readonly<Record<string, number>>;
  rejectionExamples?: Readonly<Record<string, string>>;
}

/** How many reasons a rejection message names, the most frequent first. */
export const LEADING_REASONS = 3;

function rankReasons(byReason: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(byReason)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
}

/** The codes `leadingReasons` names, for fetching their examples. */
export function leadingCodes(byReason: Readonly<Record<string, number>> = {}): string[] {
  return rankReasons(byReason)
    .slice(0, LEADING_REASONS)
    .map(([code]) => code);
}

/**
 * The leading reasons of the rejections, with their counts and one example each:
 * `beyond_correction_horizon 1,000,000 (e.g. measured …)`; '' when none is known.
 */
export function leadingReasons(
  byReason: Readonly<Record<string, number>> = {},
  examples: Readonly<Record<string, string>> = {},
): string {
  const ranked = rankReasons(byReason);
  const shown = ranked.slice(0, LEADING_REASONS).map(([code, n]) => {
    const example = examples[code];
    return `${code} ${n.toLocaleString('en-US')}${example === undefined ? '' : ` (e.g. ${example})`}`;
  });
  const more =
    ranked.length > LEADING_REASONS ? `, and ${ranked.length - LEADING_REASONS} more reason(s)` : '';
  return shown.length === 0 ? '' : `${shown.join('; ')}${more}`;
}

export interface CheckOutcome {
  check:
    'no_valid_readings' | 'rejected_share' | 'region_went_silent' | 'outside_share' | 'swapped_coordinates';
  action: Exclude<CheckAction, 'off'>;
  message: string;
}

/** How many consecutive earlier imports with points make a region's silence suspicious. */
export const SILENCE_HISTORY = 24;

/**
 * The swapped-coordinates check fires when at least this many readings are outside every region
 * and at least SWAPPED_SHARE of them land inside one once swapped: a few stray points prove nothing.
 */
export const SWAPPED_MIN_OUTSIDE = 5;
export const SWAPPED_SHARE = 0.5;

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

export function evaluateQuality(input: QualityInput, settings: QualitySettings): CheckOutcome[] {
  const outcomes: CheckOutcome[] = [];
  const report = (check: CheckOutcome['check'], action: CheckAction, message: string) => {
    if (action !== 'off') outcomes.push({ check, action, message });
  };

  const reasons = leadingReasons(input.rejectedByReason, input.rejectionExamples);
  const why = reasons === '' ? '' : `: ${reasons}`;
  if (input.counted === 0) {
    report(
      'no_valid_readings',
      settings.noValidReadings,
      `no valid reading: ${input.fetched.toLocaleString('en-US')} fetched, ${input.rejected.toLocaleString('en-US')} rejected${why}`,
    );
  }
  const share = input.fetched === 0 ? 0 : input.rejected / input.fetched;
  if (share > settings.rejectedShare.max) {
    report(
      'rejected_share',
      settings.rejectedShare.action,
      `${(share * 100).toFixed(1)} % of records rejected (${input.rejected} of ${input.fetched}), above the limit of ${(settings.rejectedShare.max * 100).toFixed(1)} %${why}`,
    );
  }
  if (input.previousImports.length >= SILENCE_HISTORY) {
    const window = input.previousImports.slice(0, SILENCE_HISTORY);
    const alwaysThere = (window[0] ?? []).filter((region) =>
      window.every((regions) => regions.includes(region)),
    );
    const silent = alwaysThere.filter((region) => !input.regionsNow.includes(region)).sort();
    if (silent.length > 0) {
      report(
        'region_went_silent',
        settings.regionWentSilent,
        `no reading now in ${silent.join(', ')}, which had readings in each of the last ${SILENCE_HISTORY} imports`,
      );
    }
  }
  const outside = input.outside ?? 0;
  const outsideShare = input.counted === 0 ? 0 : outside / input.counted;
  if (settings.outsideShare && outsideShare > settings.outsideShare.max) {
    report(
      'outside_share',
      settings.outsideShare.action,
      `${percent(outsideShare)} of the readings counted are outside every region (${outside} of ${input.counted}), above the limit of ${percent(settings.outsideShare.max)} (CHECK_OUTSIDE_SHARE_MAX)`,
    );
  }
  const swapped = input.swapped;
  if (
    settings.swappedCoordinates &&
    swapped &&
    swapped.outside >= SWAPPED_MIN_OUTSIDE &&
    swapped.insideIfSwapped >= swapped.outside * SWAPPED_SHARE
  ) {
    report(
      'swapped_coordinates',
      settings.swappedCoordinates,
      `latitude and longitude look swapped: ${swapped.insideIfSwapped} of the ${swapped.outside} readings outside every region would fall inside one if their latitude and longitude were exchanged; the source probably sends them the wrong way round`,
    );
  }
  return outcomes;
}
