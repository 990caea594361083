/**
 * The canonical reading, and the validation every source's records go through before they count.
 * Pure: no I/O. A record that fails gets every reason it fails, so the quarantine explains it fully.
 */
import { instantOf } from './calendar';

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
  | 'beyond_correction_horizon';

export interface Rejection {
  code: RejectionCode;
  message: string;
}

export type Validation = { ok: true; reading: Reading } | { ok: false; reasons: Rejection[] };

export interface ValidationLimits {
  temperatureMin: number;
  temperatureMax: number;
}

export const DEFAULT_LIMITS: ValidationLimits = { temperatureMin: -90, temperatureMax: 60 };

const PARTNER_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Parses the partner's `YYYY-MM-DD HH:MM:SS` (taken as UTC) or ISO 8601 (UTC when it has no offset).
 * Returns the instant as an ISO string, or null when the text is not a real calendar time.
 */
export function parseTimestamp(text: string): string | null {
  const match = PARTNER_TIMESTAMP.exec(text) ?? ISO_TIMESTAMP.exec(text);
  const instant = match ? instantOf(match) : null;
  return instant === null || Number.isNaN(instant.getTime()) ? null : instant.toISOString();
}

/** |lat| and |lon| limits, degrees (WGS 84). */
export const LAT_LIMIT = 90;
export const LON_LIMIT = 180;

/** Ids and labels are indexed and compared: a bounded length keeps them within an index row. */
export const MAX_ID_LENGTH = 256;

/** PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate is not a character at all. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function checkCoordinate(value: unknown, name: 'lat' | 'lon', limit: number, reasons: Rejection[]): void {
  if (!isFiniteNumber(value)) {
    reasons.push({ code: `${name}_invalid`, message: `${name} is ${describe(value)}, not a number` });
  } else if (value < -limit || value > limit) {
    reasons.push({ code: `${name}_invalid`, message: `${name} ${value} is outside [-${limit}, ${limit}]` });
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number') return String(value);
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

  const timestamp = typeof record.timestamp === 'string' ? parseTimestamp(record.timestamp) : null;
  if (timestamp === null) {
    reasons.push({
      code: 'timestamp_invalid',
      message: `timestamp is ${describe(record.timestamp)}, not "YYYY-MM-DD HH:MM:SS" or ISO 8601`,
    });
  }

  checkCoordinate(record.lat, 'lat', LAT_LIMIT, reasons);
  checkCoordinate(record.lon, 'lon', LON_LIMIT, reasons);

  const temperature = record.temperature;
  if (!isFiniteNumber(temperature)) {
    reasons.push({
      code: 'temperature_invalid',
      message: `temperature is ${describe(temperature)}, not a number`,
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
  const oldest = importHour.getTime() - horizonHours * 3_600_000;
  if (Date.parse(reading.timestamp) >= oldest) return null;
  return {
    code: 'beyond_correction_horizon',
    message: `measured at ${reading.timestamp}, more than ${horizonHours} hours before the import hour (CORRECTION_HORIZON_HOURS): earlier versions are not looked up that far back`,
  };
}
