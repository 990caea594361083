/**
 * The simulator's fault modes: each makes one call misbehave the way a real partner does, so that
 * every branch of the client and of the import can be driven over real HTTP.
 */
import { createHash } from 'node:crypto';
import type { SimReading } from './generator';

export const FAULT_MODES = [
  'ok', // a normal answer
  '500', // internal server error
  '503', // service unavailable, with Retry-After
  '429', // rate limited, with Retry-After
  'slow', // waits `slowMs` before answering (longer than the client's timeout)
  'trunc', // status 200, valid JSON cut in the middle of the body
  'object', // status 200, `{"error":"quota exceeded"}` instead of an array
  'malformed', // a normal array with bad records mixed in (see mixInMalformed)
  '401', // rejects the key even when it is right
  '403', // forbidden
  '404', // not found
  'reset', // drops the connection without answering (a network error)
  'redirect', // 302 to another path: the client must not follow (it would resend the key)
  'repeat-page', // paged answers: the page before the one asked for, again
  'skip-page', // paged answers: the page after the one asked for (one page missing)
] as const;

export type FaultMode = (typeof FAULT_MODES)[number];

export function isFaultMode(value: string): value is FaultMode {
  return (FAULT_MODES as readonly string[]).includes(value);
}

/** Parses `500,429,trunc` (as given to `--faults`); throws naming the first unknown mode. */
export function parseFaults(text: string): FaultMode[] {
  const modes = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  for (const mode of modes) {
    if (!isFaultMode(mode))
      throw new Error(`unknown fault mode "${mode}" (known: ${FAULT_MODES.join(', ')})`);
  }
  return modes as FaultMode[];
}

/** What a `malformed` answer adds to the good readings, for tests that count outcomes. */
export const MALFORMED_SUMMARY = {
  /** Records that fail validation, one per kind below. */
  invalid: ['missing temperature', 'string lat', 'lat 123', 'temperature 999', 'not an object'],
  /** An exact repeat (same id, same content) of the first good reading: counts once. */
  duplicates: 1,
  /** The second good reading carries unknown extra fields: it stays valid. */
  withExtraFields: 1,
} as const;

/**
 * The good readings (all still present, the second one with unknown extra fields), plus one bad
 * record of each kind in MALFORMED_SUMMARY.invalid and one exact duplicate, spread through the
 * array. Bad records get their own ids (derived from a good one's) so they never collide with a
 * good reading. Deterministic: a function of the readings only. Needs at least 2 readings to add
 * the duplicate and the extra fields; with fewer, only the bad records are added.
 */
export function mixInMalformed(readings: readonly SimReading[]): unknown[] {
  const good: unknown[] = readings.map((reading) => ({ ...reading }));
  const template = readings[0] ?? {
    id: '00000000-0000-4000-8000-000000000000',
    timestamp: '2019-02-19 14:02:10',
    lat: 45.6258385,
    lon: 0.0629891,
    temperature: 12.5,
    country: 'France',
  };
  const variant = (kind: string): Record<string, unknown> => ({
    ...template,
    id: derivedId(template.id, kind),
  });

  const missingTemperature = variant('missing-temperature');
  delete missingTemperature.temperature;
  const bad: unknown[] = [
    missingTemperature,
    { ...variant('string-lat'), lat: String(template.lat) },
    { ...variant('lat-123'), lat: 123 },
    { ...variant('temperature-999'), temperature: 999 },
    'sensor 42 offline',
  ];
  if (readings[0] !== undefined) bad.push({ ...readings[0] });
  if (readings[1] !== undefined) good[1] = { ...readings[1], battery: 0.87, firmware: '2.4.1' };

  // Insert the bad records at evenly spaced positions so they are not all at one end.
  const mixed = [...good];
  const step = Math.max(1, Math.floor(good.length / (bad.length + 1)));
  bad.forEach((record, i) => mixed.splice(Math.min(mixed.length, (i + 1) * step + i), 0, record));
  return mixed;
}

function derivedId(id: string, kind: string): string {
  const hex = createHash('sha256').update(`${id}:${kind}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
