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
}

export interface CheckOutcome {
  check: 'no_valid_readings' | 'rejected_share' | 'region_went_silent';
  action: Exclude<CheckAction, 'off'>;
  message: string;
}

/** How many consecutive earlier imports with points make a region's silence suspicious. */
export const SILENCE_HISTORY = 24;

export function evaluateQuality(input: QualityInput, settings: QualitySettings): CheckOutcome[] {
  const outcomes: CheckOutcome[] = [];
  const report = (check: CheckOutcome['check'], action: CheckAction, message: string) => {
    if (action !== 'off') outcomes.push({ check, action, message });
  };

  if (input.counted === 0) {
    report(
      'no_valid_readings',
      settings.noValidReadings,
      `no valid reading: ${input.fetched} fetched, ${input.rejected} rejected`,
    );
  }
  const share = input.fetched === 0 ? 0 : input.rejected / input.fetched;
  if (share > settings.rejectedShare.max) {
    report(
      'rejected_share',
      settings.rejectedShare.action,
      `${(share * 100).toFixed(1)} % of records rejected (${input.rejected} of ${input.fetched}), above the limit of ${(settings.rejectedShare.max * 100).toFixed(1)} %`,
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
  return outcomes;
}
