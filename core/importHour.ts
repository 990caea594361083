/**
 * The import hour: the UTC hour an import belongs to. Pure and free of Node APIs, because the
 * workflow (which runs in Temporal's deterministic sandbox) uses it too.
 */

const HOUR_MS = 3_600_000;

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
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = match[7] ?? '';
  const zone = match[8] ?? 'Z';
  const calendar = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  calendar.setUTCFullYear(year, month - 1, day);
  calendar.setUTCHours(hour, minute, second);
  const real =
    calendar.getUTCFullYear() === year &&
    calendar.getUTCMonth() === month - 1 &&
    calendar.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59;
  if (!real) throw new RangeError(`"${text}" is not a real calendar hour`);
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetMinutes = zone === 'Z' ? 0 : sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const instant = new Date(calendar.getTime() - offsetMinutes * 60_000);
  if (instant.getTime() % HOUR_MS !== 0 || /[1-9]/.test(fraction)) {
    throw new RangeError(
      `"${text}" is not on the hour in UTC (minutes and seconds must make a whole UTC hour)`,
    );
  }
  return instant;
}

/** One workflow id per hour for manual runs, so that two requests for the same hour meet in one import. */
export function workflowIdForHour(hour: Date): string {
  return `hourly-import-${formatHour(hour)}`;
}

/** The hours from `from` to `to`, both included. */
export function hoursBetween(from: Date, to: Date): Date[] {
  const hours: Date[] = [];
  for (let t = truncateToHour(from).getTime(); t <= to.getTime(); t += HOUR_MS) hours.push(new Date(t));
  return hours;
}
