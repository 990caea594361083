/**
 * The landing's fast path as SQL (DuckDB), generated here from the same constants as
 * `validateRecord` (core/reading.ts), which stays the one authority on what is valid and why.
 * The predicate is conservative: a record it accepts is one `validateRecord` accepts, with the same
 * values; anything it does not accept (wrong type, out of range, unusual text) goes to the
 * record-by-record path, where `validateRecord` decides and writes the reasons. So the SQL never
 * needs the messages, and a disagreement can only cost speed, never correctness
 * (test/unit/landing.test.ts runs both paths over the same records).
 *
 * Expects columns id, lat, lon, temperature, country as DuckDB JSON values (SQL NULL when the key
 * is absent) and timestamp as text; the caller turns the timestamp into `measured_at` with
 * `parseTimestamp`, once per distinct text. The checks read each value's JSON text
 * (minified by DuckDB's reader) instead of parsing it again, which is what makes them cheap:
 * - a string is `"…"` with no backslash, so its value is the text between the quotes (any escape
 *   goes the careful way);
 * - a number is text that casts to a finite DOUBLE (strings keep their quotes, and true, false,
 *   null, objects and arrays never cast).
 */
import { LAT_LIMIT, LON_LIMIT, MAX_ID_LENGTH, type ValidationLimits } from './reading';

/** The value of a JSON string with no escape in it; NULL for any other JSON value. */
function plainString(column: string): string {
  const text = `CAST(${column} AS VARCHAR)`;
  return `CASE WHEN starts_with(${text}, '"') AND NOT contains(${text}, '\\') THEN ${text}[2:-2] END`;
}

/** The value of a JSON number as a DOUBLE; NULL for any other JSON value. */
function number(column: string): string {
  return `TRY_CAST(CAST(${column} AS VARCHAR) AS DOUBLE)`;
}

/** Text `validateRecord` stores as it is: at most MAX_ID_LENGTH bytes, no NUL. */
function storable(value: string): string {
  return `(strlen(${value}) <= ${MAX_ID_LENGTH} AND NOT contains(${value}, chr(0)))`;
}

function between(value: string, min: number, max: number): string {
  return `(isfinite(${value}) AND ${value} BETWEEN ${sqlNumber(min)} AND ${sqlNumber(max)})`;
}

function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`limit ${value} is not finite`);
  return `CAST('${value}' AS DOUBLE)`;
}

/**
 * A SELECT list over the raw columns: `reading_id, timestamp, lat, lon, temperature, country`
 * typed (null where the JSON value is not of the plain expected kind; `timestamp` is the text read
 * as VARCHAR, parsed later by `parseTimestamp`), then `country_absent` (the key missing or null).
 */
export const TYPED_VALUES_SQL = [
  `${plainString('id')} AS reading_id`,
  'timestamp',
  `${number('lat')} AS lat`,
  `${number('lon')} AS lon`,
  `${number('temperature')} AS temperature`,
  `${plainString('country')} AS country`,
  `(country IS NULL OR CAST(country AS VARCHAR) = 'null') AS country_absent`,
].join(', ');

/** True for records whose values (all but the timestamp) the fast path lands as they are, over `TYPED_VALUES_SQL`. */
export function valuesValidSql(limits: ValidationLimits): string {
  return [
    `reading_id IS NOT NULL AND ${storable('reading_id')}`,
    // An id with a letter or digit: `validateRecord` refuses blank ids by JavaScript's trim().
    `regexp_matches(reading_id, '[0-9A-Za-z]')`,
    between('lat', -LAT_LIMIT, LAT_LIMIT),
    between('lon', -LON_LIMIT, LON_LIMIT),
    between('temperature', limits.temperatureMin, limits.temperatureMax),
    `country_absent OR (country IS NOT NULL AND ${storable('country')})`,
  ]
    .map((condition) => `(${condition})`)
    .join(' AND ');
}

/**
 * True for a `measured_at` (TIMESTAMPTZ, from `parseTimestamp`; null when the text is not valid)
 * the fast path accepts. `oldestMeasuredSql`: the earliest accepted instant (the correction
 * horizon, `checkHorizon`), a SQL TIMESTAMPTZ expression.
 */
export function timeValidSql(limits: ValidationLimits, oldestMeasuredSql: string): string {
  return [
    `measured_at IS NOT NULL AND measured_at >= ${oldestMeasuredSql}`,
    // TIMESTAMP_MIN/MAX: outside the window `validateRecord` refuses with timestamp_out_of_window.
    `measured_at BETWEEN CAST('${limits.timestampMin}' AS TIMESTAMPTZ) AND CAST('${limits.timestampMax}' AS TIMESTAMPTZ)`,
  ]
    .map((condition) => `(${condition})`)
    .join(' AND ');
}

/**
 * True for a `measured_at` inside TIMESTAMP_MIN..TIMESTAMP_MAX but before `oldestMeasuredSql`: a
 * record whose values are valid is then refused with `checkHorizon`'s reason only, so the landing
 * counts such records in SQL and asks `checkHorizon` only for a few examples.
 */
export function beyondHorizonSql(limits: ValidationLimits, oldestMeasuredSql: string): string {
  return [
    `measured_at IS NOT NULL AND measured_at < ${oldestMeasuredSql}`,
    `measured_at BETWEEN CAST('${limits.timestampMin}' AS TIMESTAMPTZ) AND CAST('${limits.timestampMax}' AS TIMESTAMPTZ)`,
  ]
    .map((condition) => `(${condition})`)
    .join(' AND ');
}
