/**
 * The landing's fast path as SQL (DuckDB), generated here from the same constants as
 * `validateRecord` (core/reading.ts), which stays the one authority on what is valid and why.
 * The predicate is conservative: a record it accepts is one `validateRecord` accepts, with the same
 * values; anything it does not accept (wrong type, out of range, unusual text) goes to the
 * record-by-record path, where `validateRecord` decides and writes the reasons. So the SQL never
 * needs the messages, and a disagreement can only cost speed, never correctness
 * (test/unit/readingSql.test.ts runs both over the same records).
 *
 * Expects a table whose columns id, timestamp, lat, lon, temperature, country are DuckDB JSON
 * values (SQL NULL when the key is absent), and a column `measured_at` (TIMESTAMPTZ, null when
 * the timestamp text is not valid) computed by the caller with `parseTimestamp`.
 */
import { LAT_LIMIT, LON_LIMIT, MAX_ID_LENGTH, type ValidationLimits } from './reading';

const NUMBER_TYPES = `('DOUBLE', 'BIGINT', 'UBIGINT')`;

/** A JSON string whose text is plainly storable: short in bytes, no NUL, no \\u escape of a surrogate. */
function plainText(column: string): string {
  return (
    `(json_type(${column}) = 'VARCHAR' AND strlen(${column}->>'$') <= ${MAX_ID_LENGTH}` +
    ` AND NOT contains(${column}->>'$', chr(0)) AND NOT regexp_matches(CAST(${column} AS VARCHAR), '\\\\[uU][dD][89a-fA-F]'))`
  );
}

function numberIn(column: string, min: number, max: number): string {
  return (
    `(json_type(${column}) IN ${NUMBER_TYPES} AND isfinite(TRY_CAST(${column} AS DOUBLE))` +
    ` AND TRY_CAST(${column} AS DOUBLE) BETWEEN ${sqlNumber(min)} AND ${sqlNumber(max)})`
  );
}

function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`limit ${value} is not finite`);
  return `CAST('${value}' AS DOUBLE)`;
}

/**
 * True for records the fast path lands as they are. `oldestMeasuredSql`: the earliest accepted
 * `measured_at` (the correction horizon, `checkHorizon`), a SQL TIMESTAMPTZ expression.
 */
export function fastValidSql(limits: ValidationLimits, oldestMeasuredSql: string): string {
  return [
    plainText('id'),
    // An id with a letter or digit: `validateRecord` refuses blank ids by JavaScript's trim().
    `regexp_matches(id->>'$', '[0-9A-Za-z]')`,
    `measured_at IS NOT NULL AND measured_at >= ${oldestMeasuredSql}`,
    // TIMESTAMP_MIN/MAX: outside the window `validateRecord` refuses with timestamp_out_of_window.
    `measured_at BETWEEN CAST('${limits.timestampMin}' AS TIMESTAMPTZ) AND CAST('${limits.timestampMax}' AS TIMESTAMPTZ)`,
    numberIn('lat', -LAT_LIMIT, LAT_LIMIT),
    numberIn('lon', -LON_LIMIT, LON_LIMIT),
    numberIn('temperature', limits.temperatureMin, limits.temperatureMax),
    `(country IS NULL OR json_type(country) = 'NULL' OR ${plainText('country')})`,
  ]
    .map((condition) => `(${condition})`)
    .join(' AND ');
}

/** The typed values of an accepted record, in the order of `LANDED_COLUMNS` after the ids. */
export const TYPED_VALUES_SQL =
  `id->>'$' AS reading_id, measured_at, TRY_CAST(lat AS DOUBLE) AS lat, TRY_CAST(lon AS DOUBLE) AS lon,` +
  ` TRY_CAST(temperature AS DOUBLE) AS temperature, CASE WHEN json_type(country) = 'VARCHAR' THEN country->>'$' END AS country`;
