/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date. A value of 0, a date not in the
 * future, or anything unparseable counts as absent (the retry policy's own backoff then applies);
 * a long delay is capped so that a misbehaving server cannot park an import for a day.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// The three date formats a recipient must accept (RFC 9110 §5.6.7).
const IMF_FIXDATE = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const RFC_850 = /^[a-z]+, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const ASCTIME = /^[a-z]{3} ([a-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;

/** Milliseconds to wait, at most `capMs`, or undefined when the header says nothing usable. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: Date,
  capMs: number,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  let delayMs: number | undefined;
  if (/^\d+$/.test(text)) {
    delayMs = Number(text) * 1000; // a huge number of digits becomes Infinity, then the cap
  } else {
    const at = parseHttpDate(text, now);
    if (at !== undefined) delayMs = at - now.getTime();
  }
  if (delayMs === undefined || !(delayMs > 0)) return undefined;
  return Math.min(delayMs, capMs);
}

/** Epoch milliseconds of an HTTP date, or undefined. Date.parse is not used: it accepts "1" as a year. */
export function parseHttpDate(text: string, now: Date): number | undefined {
  let day: string, month: string, year: number, hour: string, minute: string, second: string;
  let m: RegExpExecArray | null;
  if ((m = IMF_FIXDATE.exec(text))) {
    [, day = '', month = '', , hour = '', minute = '', second = ''] = m;
    year = Number(m[3]);
  } else if ((m = RFC_850.exec(text))) {
    [, day = '', month = '', , hour = '', minute = '', second = ''] = m;
    year = twoDigitYear(Number(m[3]), now);
  } else if ((m = ASCTIME.exec(text))) {
    [, month = '', day = '', hour = '', minute = '', second = ''] = m;
    year = Number(m[6]);
  } else {
    return undefined;
  }
  const monthIndex = MONTHS.indexOf(month.toLowerCase());
  const [d, h, mi, s] = [Number(day), Number(hour), Number(minute), Number(second)];
  if (monthIndex < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const at = Date.UTC(year, monthIndex, d, h, mi, Math.min(s, 59));
  // Reject rollovers such as 31 Feb, which Date.UTC would silently turn into March.
  return new Date(at).getUTCDate() === d ? at : undefined;
}

/** RFC 9110: a two-digit year more than 50 years in the future means the previous century. */
function twoDigitYear(yy: number, now: Date): number {
  const currentYear = now.getUTCFullYear();
  let year = Math.floor(currentYear / 100) * 100 + yy;
  if (year > currentYear + 50) year -= 100;
  return year;
}
