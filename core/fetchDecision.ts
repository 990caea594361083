/**
 * What fetching a source does for an import hour, decided without I/O (issue 12): refuse, reuse
 * what was landed, report it not fetched, or fetch under which batch key. The sources serve only
 * the present, so their answer must never be filed under an hour long past, nor one not begun.
 */
import { formatHour, hoursFrom, truncateToHour } from './importHour';

/** Batch keys of pull sources start with this; a refetch retires the hour's batches with it. */
export const PULL_PREFIX = 'pull:';

export type FetchDecision =
  /** Not retryable: asking again cannot help. */
  | { kind: 'refuse'; reason: string }
  /** Another run landed the hour for this source: recompute from it, do not call the source. */
  | { kind: 'reuse' }
  /** Nothing landed and too old to fetch. */
  | { kind: 'not-fetched'; reason: string }
  /**
   * Call the source. A pull source's batch (no key of its own) is keyed `pullKey`; a refetch
   * first retires the hour's batches whose key starts with `supersedePrefix`.
   */
  | { kind: 'fetch'; pullKey: string; supersedePrefix?: string };

export interface FetchSituation {
  hour: Date;
  now: Date;
  runId: string;
  refetch: boolean;
  /** Batches of this hour and source that are live and were landed by another run. */
  landedByOtherRuns: number;
  /** FETCH_MAX_LAG_HOURS. */
  fetchMaxLagHours: number;
}

export function decideFetch(s: FetchSituation): FetchDecision {
  if (s.hour.getTime() > truncateToHour(s.now).getTime()) {
    return {
      kind: 'refuse',
      reason: `refusing to fetch for ${formatHour(s.hour)}: that hour has not begun (now ${s.now.toISOString()}), and the sources serve present readings`,
    };
  }
  // Landed by another run: a rerun, which recomputes from it. Landed by this run: a retry of this
  // activity after some batches landed, which must go on fetching the rest.
  if (!s.refetch && s.landedByOtherRuns > 0) return { kind: 'reuse' };
  const stale = staleness(s.hour, s.now, s.fetchMaxLagHours);
  if (stale !== null) {
    return s.refetch
      ? { kind: 'refuse', reason: `refusing to refetch: ${stale}` }
      : { kind: 'not-fetched', reason: `nothing was landed for it, and ${stale}` };
  }
  // A pull source answers "now": its batch is keyed by the import hour (and the run, for a
  // refetch), so a retried activity finds its own landing instead of landing twice.
  const pullKey = `${PULL_PREFIX}${formatHour(s.hour)}${s.refetch ? `#refetch:${s.runId}` : ''}`;
  return s.refetch ? { kind: 'fetch', pullKey, supersedePrefix: PULL_PREFIX } : { kind: 'fetch', pullKey };
}

/**
 * Why an hour can no longer be fetched, or null. The sources answer with what they have now:
 * filing that under an hour long past would store today's temperatures as that hour's.
 */
export function staleness(hour: Date, now: Date, maxLagHours: number): string | null {
  const lagHours = hoursFrom(hour, now);
  if (lagHours <= maxLagHours + 1) return null;
  return (
    `${formatHour(hour)} is ${Math.floor(lagHours)} hours old (FETCH_MAX_LAG_HOURS=${maxLagHours}) ` +
    'while the sources only serve present readings'
  );
}
