/**
 * The import hour: the UTC hour an import belongs to. Pure and free of Node APIs, because the
 * workflow (which runs in Temporal's deterministic sandbox) uses it too.
 */
import { instantOf } from './calendar';

/** One hour in milliseconds: the one home of the constant. */
export const HOUR_MS = 3_600_000;

export function truncateToHour(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / HOUR_MS) * HOUR_MS);
}

/** `2026-11-27T14:00:00Z`: the form used in workflow ids, logs and the CLI. */
export function formatHour(hour: Date): string {
  return hour.toISOString().replace('.000Z', 'Z');
}

export function addHours(hour: Date, hours: number): Date {
  return new Date(hour.getTime() + hours * HOUR_MS);
}

/** The hours from `from` to `to` (instants or milliseconds), fractional; negative when `to` is earlier. */
export function hoursFrom(from: Date | number, to: Date | number): number {
  return (Number(to) - Number(from)) / HOUR_MS;
}

/**
 * The oldest measurement time a reading of `importHour` may carry: `horizonHours`
 * (CORRECTION_HORIZON_HOURS) before the import hour. Earlier versions are looked up that far back.
 */
export function horizonStart(importHour: Date, horizonHours: number): Date {
  return addHours(importHour, -horizonHours);
}

/**
 * The first `belongs_to_hour` whose versions a batch of `importHour` may meet: the horizon plus one
 * hour, since a reading measured at the horizon's first instant belongs to the hour before
 * (adapters/landing/versions.ts `LookUpEarlierVersions`).
 */
export function lookupWindowStart(importHour: Date, horizonHours: number): Date {
  return addHours(importHour, -(horizonHours + 1));
}

const HOUR_ARGUMENT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads an hour given by a person: `2026-11-27T14`, `2026-11-27T14:00`, `2026-11-27T14:00:00Z`,
 * `2026-11-27T16:00+02:00`, `2026-11-27T19:30+05:30`. No zone means UTC. A time that is not on the
 * hour in UTC is refused rather than truncated, so a typo cannot silently import a different hour.
 */
export function parseHour(text: string): Date {
  const match = HOUR_ARGUMENT.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not an ISO-8601 hour such as 2026-11-27T14:00:00Z`);
  const instant = instantOf(match);
  if (instant === null) throw new RangeError(`"${text}" is not a real calendar hour`);
  // Sub-millisecond digits do not reach the Date: refuse any non-zero fraction outright.
  if (instant.getTime() % HOUR_MS !== 0 || /[1-9]/.test(match[7] ?? '')) {
    throw new RangeError(
      `"${text}" is not on the hour in UTC (minutes and seconds must make a whole UTC hour)`,
    );
  }
  return instant;
}

const WORKFLOW_ID_PREFIX = 'hourly-import-';

/** One workflow id per hour for manual runs, so that two requests for the same hour meet in one import. */
export function workflowIdForHour(hour: Date): string {
  return `${WORKFLOW_ID_PREFIX}${formatHour(hour)}`;
}

/**
 * The import hour in an import's workflow id, formatted, or undefined for any other id. Manual runs,
 * backfills (workflowIdForHour) and the schedule (its id suffixed with the nominal time) all name
 * their workflows this way, so logs can carry the hour from the first line of a run.
 */
export function importHourOfWorkflowId(workflowId: string): string | undefined {
  if (!workflowId.startsWith(WORKFLOW_ID_PREFIX)) return undefined;
  try {
    return formatHour(parseHour(workflowId.slice(WORKFLOW_ID_PREFIX.length)));
  } catch {
    return undefined;
  }
}

/** The hours from `from` to `to`, both included. */
export function hoursBetween(from: Date, to: Date): Date[] {
  const hours: Date[] = [];
  for (let t = truncateToHour(from).getTime(); t <= to.getTime(); t += HOUR_MS) hours.push(new Date(t));
  return hours;
}
