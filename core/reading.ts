/**
 * The canonical reading, and the validation every source's records go through before they count.
 * Pure: no I/O. A record that fails gets every reason it fails, so the quarantine explains it fully.
 */
import { instantOf } from './calendar';
import { horizonStart } from './importHour';
import { isStorableText, MAX_JSON_DEPTH } from './safeText';

export { isStorableText } from './safeText';

export interface Reading {
  /** The sensor reading's id as the source gives it (a UUID for the partner API). */
  id: string;
  /** When the sensor measured, ISO 8601 in UTC. */
  timestamp: string;
  lat: number;
  lon: number;
  /** Degrees Celsius. */
  temperature: number;
  /** The source's country label. Informational only: the polygons decide the region. */
  country: string | null;
}

export type RejectionCode =
  | 'not_an_object'
  | 'id_invalid'
  | 'timestamp_invalid'
  | 'lat_invalid'
  | 'lon_invalid'
  | 'temperature_invalid'
  | 'temperature_implausible'
  | 'country_invalid'
  | 'timestamp_out_of_window'
  | 'number_not_finite'
  | 'too_deep'
  | 'not_json'
  | 'not_utf8'
  | 'duplicate_key'
  | 'beyond_correction_horizon';

export interface Rejection {
  code: RejectionCode;
  message: string;
}

export type Validation = { ok: true; reading: Reading } | { ok: false; reasons: Rejection[] };

export interface ValidationLimits {
  temperatureMin: number;
  temperatureMax: number;
  /** Plausible measurement times, ISO 8601 UTC, both included (TIMESTAMP_MIN, TIMESTAMP_MAX). */
  timestampMin: string;
  timestampMax: string;
}

export const DEFAULT_LIMITS: ValidationLimits = {
  temperatureMin: -90,
  temperatureMax: 60,
  timestampMin: '2000-01-01T00:00:00.000Z',
  timestampMax: '2100-01-01T00:00:00.000Z',
};

/**
 * What PostgreSQL's timestamptz accepts in the ISO form we write: years 0001 to 9999 (its range is
 * wider, 4713 BC to 294276 AD, but year 0000 does not exist in its input and `+010000` is not read).
 * Every configured window must lie inside it (config/index.ts).
 */
export const STORABLE_TIMESTAMP_MIN = '0001-01-01T00:00:00.000Z';
export const STORABLE_TIMESTAMP_MAX = '9999-12-31T23:59:59.999Z';

/**
 * The partner's `YYYY-MM-DD HH:MM:SS` and RFC 3339 with its variants (§5.6 and its note): `T`, `t`
 * or a space between date and time, a fraction after `.` or `,`, the zone `Z`, `z`, `+HH:MM` or
 * `+HHMM`, optionally after one space. No zone means UTC.
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?: ?([Zz]|[+-](?:[01]\d|2[0-3]):?[0-5]\d))?$/;

/**
 * Parses the partner's `YYYY-MM-DD HH:MM:SS` (taken as UTC) or RFC 3339 / ISO 8601 (UTC when it has
 * no offset). Returns the instant as an ISO string, or null when the text is not a real calendar
 * time or falls outside what PostgreSQL can store.
 */
export function parseTimestamp(text: string): string | null {
  const match = TIMESTAMP.exec(text);
  const zone = match?.[8];
  if (match && zone !== undefined) match[8] = zone.toUpperCase();
  const instant = match ? instantOf(match) : null;
  if (instant === null || Number.isNaN(instant.getTime())) return null;
  const iso = instant.toISOString();
  // toISOString writes years outside 0000-9999 with a sign and six digits: never storable here.
  return iso.length === 24 && iso >= STORABLE_TIMESTAMP_MIN && iso <= STORABLE_TIMESTAMP_MAX ? iso : null;
}

/** |lat| and |lon| limits, degrees (WGS 84). */
export const LAT_LIMIT = 90;
export const LON_LIMIT = 180;

/** Ids and labels are indexed and compared: a bounded length keeps them within an index row. */
export const MAX_ID_LENGTH = 256;

const CHECKED_FIELDS = new Set(['id', 'timestamp', 'lat', 'lon', 'temperature', 'country']);

/**
 * The rest of the record (fields we do not read) must still be storable as jsonb: numbers that are
 * not finite (NaN, Infinity, 1e400) have no JSON form, and nesting is bounded. Keys and strings with
 * NUL or lone surrogates are not reasons: they are repaired when stored (core/safeText.ts).
 */
function checkExtras(record: Record<string, unknown>, reasons: Rejection[]): void {
  const nonFinite: string[] = [];
  let tooDeep = false;
  const walk = (value: unknown, path: string, depth: number): void => {
    if (tooDeep) return;
    if (depth > MAX_JSON_DEPTH) {
      tooDeep = true;
      return;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) nonFinite.push(`${path} is ${value}`);
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1));
    else if (typeof value === 'object' && value !== null)
      for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`, depth + 1);
  };
  for (const [key, value] of Object.entries(record)) {
    if (!CHECKED_FIELDS.has(key)) walk(value, key, 1);
  }
  if (nonFinite.length > 0) {
    const shown = nonFinite.slice(0, 3).map((text) => text.toWellFormed().slice(0, 80));
    reasons.push({
      code: 'number_not_finite',
      message: `${shown.join(', ')}${nonFinite.length > 3 ? ` and ${nonFinite.length - 3} more` : ''}: not a finite number`,
    });
  }
  if (tooDeep)
    reasons.push({ code: 'too_deep', message: `the record nests deeper than ${MAX_JSON_DEPTH} levels` });
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function checkCoordinate(value: unknown, name: 'lat' | 'lon', limit: number, reasons: Rejection[]): void {
  if (!isFiniteNumber(value)) {
    reasons.push({ code: `${name}_invalid`, message: `${name} is ${describe(value)}, not a finite number` });
  } else if (value < -limit || value > limit) {
    reasons.push({ code: `${name}_invalid`, message: `${name} ${value} is outside [-${limit}, ${limit}]` });
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `${value}`;
  return `a ${Array.isArray(value) ? 'array' : typeof value}`;
}

/** Checks one raw record from a source; unknown extra fields are tolerated. */
export function validateRecord(raw: unknown, limits: ValidationLimits = DEFAULT_LIMITS): Validation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      reasons: [{ code: 'not_an_object', message: `record is ${describe(raw)}, not an object` }],
    };
  }
  const record = raw as Record<string, unknown>;
  const reasons: Rejection[] = [];

  const id = record.id;
  if (typeof id !== 'string' || id.trim() === '') {
    reasons.push({ code: 'id_invalid', message: `id is ${describe(id)}, not a non-empty string` });
  } else if (id.length > MAX_ID_LENGTH || !isStorableText(id)) {
    reasons.push({
      code: 'id_invalid',
      message: `id is not a usable identifier (more than ${MAX_ID_LENGTH} characters, a NUL or a broken Unicode character)`,
    });
  }

  let timestamp = typeof record.timestamp === 'string' ? parseTimestamp(record.timestamp) : null;
  if (timestamp === null) {
    reasons.push({
      code: 'timestamp_invalid',
      message: `timestamp is ${describe(record.timestamp)}, not "YYYY-MM-DD HH:MM:SS" or RFC 3339 between years 0001 and 9999`,
    });
  } else if (timestamp < limits.timestampMin || timestamp > limits.timestampMax) {
    reasons.push({
      code: 'timestamp_out_of_window',
      message: `timestamp ${timestamp} is outside the plausible window [${limits.timestampMin}, ${limits.timestampMax}] (TIMESTAMP_MIN, TIMESTAMP_MAX)`,
    });
    timestamp = null;
  }

  checkCoordinate(record.lat, 'lat', LAT_LIMIT, reasons);
  checkCoordinate(record.lon, 'lon', LON_LIMIT, reasons);

  const temperature = record.temperature;
  if (!isFiniteNumber(temperature)) {
    reasons.push({
      code: 'temperature_invalid',
      message: `temperature is ${describe(temperature)}, not a finite number`,
    });
  } else if (temperature < limits.temperatureMin || temperature > limits.temperatureMax) {
    reasons.push({
      code: 'temperature_implausible',
      message: `temperature ${temperature} °C is outside the plausible range [${limits.temperatureMin}, ${limits.temperatureMax}]`,
    });
  }

  const country = record.country;
  if (country !== undefined && country !== null && typeof country !== 'string') {
    reasons.push({ code: 'country_invalid', message: `country is ${describe(country)}, not a string` });
  } else if (typeof country === 'string' && (country.length > MAX_ID_LENGTH || !isStorableText(country))) {
    reasons.push({
      code: 'country_invalid',
      message: 'country is not usable text (too long, a NUL or a broken Unicode character)',
    });
  }

  checkExtras(record, reasons);

  if (reasons.length > 0 || timestamp === null) {
    return { ok: false, reasons };
  }
  return {
    ok: true,
    reading: {
      id: id as string,
      timestamp,
      lat: record.lat as number,
      lon: record.lon as number,
      temperature: temperature as number,
      country: typeof country === 'string' ? country : null,
    },
  };
}

/**
 * A reading measured more than `horizonHours` before its import hour (CORRECTION_HORIZON_HOURS).
 * Earlier versions of an id are looked up only that far back (docs/scaling.md §3.3), so such a
 * record could be a correction whose first version is out of sight: it is quarantined with this
 * reason rather than counted as a new reading of the wrong hour.
 */
export function checkHorizon(reading: Reading, importHour: Date, horizonHours: number): Rejection | null {
  if (Date.parse(reading.timestamp) >= horizonStart(importHour, horizonHours).getTime()) return null;
  return {
    code: 'beyond_correction_horizon',
    message: `measured at ${reading.timestamp}, more than ${horizonHours} hours before the import hour (CORRECTION_HORIZON_HOURS): earlier versions are not looked up that far back`,
  };
}
