/**
 * Everything one view of the page (or the report) shows, read from the database in one go: the
 * chosen hour's rows, the 48 hours before it for the series and the colour range, the hour list
 * for the picker, the newest runs and quarantined records.
 */
import type { Knex } from 'knex';
import {
  hourRows,
  listHours,
  recentQuarantine,
  recentRuns,
  rowsBetween,
  type HourListing,
  type HourRow,
  type QuarantineRow,
} from '../adapters/db/page';
import type { RunRow } from '../adapters/db/runs';
import { addHours } from '../core/importHour';

/** The series span: the chosen hour and the 47 before it. */
export const SERIES_HOURS = 48;
/** How many hours the picker lists (two weeks). */
export const PICKER_HOURS = 336;
export const RECENT_RUNS = 20;
export const RECENT_QUARANTINE = 20;

export interface TemporalLink {
  /** Temporal Web UI base URL, e.g. http://localhost:8233 */
  uiUrl: string;
  namespace: string;
}

export interface PageModel {
  /** The hour shown (UTC), or null when the database holds no hour at all. */
  hour: Date | null;
  /** Newest first. */
  hours: HourListing[];
  /** The shown hour's listing (status of its newest run), if it has rows or runs. */
  listing: HourListing | undefined;
  rows: HourRow[];
  window: { from: Date; to: Date } | null;
  /** Every row of the window, by hour then region. */
  series: HourRow[];
  runs: RunRow[];
  quarantine: QuarantineRow[];
  temporal: TemporalLink;
  generatedAt: Date;
}

/** Reads the model for `hour` (default: the newest hour with rows or runs). */
export async function loadPageModel(
  db: Knex,
  options: { hour?: Date; temporal: TemporalLink; now?: Date },
): Promise<PageModel> {
  const hours = await listHours(db, PICKER_HOURS);
  const hour = options.hour ?? hours[0]?.hour ?? null;
  const window = hour === null ? null : { from: addHours(hour, -(SERIES_HOURS - 1)), to: hour };
  const [rows, series, runs, quarantine] = await Promise.all([
    hour === null ? [] : hourRows(db, hour),
    window === null ? [] : rowsBetween(db, window.from, window.to),
    recentRuns(db, RECENT_RUNS),
    recentQuarantine(db, RECENT_QUARANTINE),
  ]);
  return {
    hour,
    hours,
    listing: hour === null ? undefined : hours.find((h) => h.hour.getTime() === hour.getTime()),
    rows,
    window,
    series,
    runs,
    quarantine,
    temporal: options.temporal,
    generatedAt: options.now ?? new Date(),
  };
}

/** The Temporal Web UI page of one workflow run. */
export function temporalRunUrl(link: TemporalLink, run: Pick<RunRow, 'workflow_id' | 'run_id'>): string {
  const base = link.uiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(link.namespace)}/workflows/${encodeURIComponent(run.workflow_id)}/${encodeURIComponent(run.run_id)}/history`;
}
