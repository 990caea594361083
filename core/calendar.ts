/** Date-time text to a UTC instant, shared by reading timestamps and operator-given hours. */

/**
 * The instant of a matched date-time whose groups 1-6 are year, month, day, hour, minute, second
 * (minute and second may be absent), 7 the fraction's digits and 8 the zone (`Z`, `+HH:MM` or
 * `+HHMM`; absent means UTC). Null when the text is not a real calendar time (Feb 30, hour 24).
 */
export function instantOf(match: RegExpExecArray): Date | null {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
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
  if (!real) return null;
  const zone = match[8] ?? 'Z';
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetMinutes = zone === 'Z' ? 0 : sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const milliseconds = Math.floor(Number(`0.${match[7] ?? '0'}`) * 1000);
  return new Date(calendar.getTime() - offsetMinutes * 60_000 + milliseconds);
}
