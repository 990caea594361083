/**
 * Deterministic readings in the partner's format. The same (seed, callIndex, count, now) always
 * gives the same array, so a test can recompute independently what the simulator served.
 *
 * Mix per reading: 70 % scattered around French towns, 20 % uniform in the French bounding box
 * (some of those fall in the sea or in a neighbouring country: "says France, lies in no region"),
 * 10 % abroad. Of the French ones ~2 % carry a neighbour's label; of the foreign ones ~10 % say
 * "France" (a French owner's sensor abroad). Temperatures follow season, latitude and time of day.
 */
import { createRandom, type Random } from './random';
import {
  FOREIGN_TOWNS,
  FRANCE_BBOX,
  FRENCH_TOWNS,
  NEIGHBOUR_COUNTRIES,
  insideFranceBbox,
  type Place,
} from './places';

/** One reading exactly as the partner contract shapes it. */
export interface SimReading {
  id: string;
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  timestamp: string;
  lat: number;
  lon: number;
  temperature: number;
  country: string;
}

/** Readings are stamped up to this long before `now`: "the readings of that moment". */
export const READING_WINDOW_SECONDS = 300;

export function generateReadings(seed: number, callIndex: number, count: number, now: Date): SimReading[] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (Number.isNaN(now.getTime())) throw new RangeError('now is not a valid date');
  const random = createRandom('readings', seed, callIndex);
  // Ids come from their own stream that also depends on the moment: a real partner never re-sends
  // an id for a new reading, so a simulator restarted with the same seed must not either (the
  // pipeline would take the repeated ids for corrections of the earlier readings).
  const ids = createRandom('ids', seed, callIndex, now.getTime());
  const readings: SimReading[] = [];
  for (let i = 0; i < count; i += 1) readings.push(oneReading(random, ids.uuid(), now));
  return readings;
}

function oneReading(random: Random, id: string, now: Date): SimReading {
  const ageSeconds = Math.floor(random.next() * READING_WINDOW_SECONDS);
  const kind = random.next();
  const labelDraw = random.next();
  const temperatureNoise = random.gaussian(2.5);

  let lat: number;
  let lon: number;
  let country: string;
  if (kind < 0.7) {
    ({ lat, lon } = scatter(random, random.pick(FRENCH_TOWNS)));
    country = labelDraw < 0.02 ? random.pick(NEIGHBOUR_COUNTRIES) : 'France';
  } else if (kind < 0.9) {
    lat = random.between(FRANCE_BBOX.minLat, FRANCE_BBOX.maxLat);
    lon = random.between(FRANCE_BBOX.minLon, FRANCE_BBOX.maxLon);
    country = labelDraw < 0.02 ? random.pick(NEIGHBOUR_COUNTRIES) : 'France';
  } else {
    const town = random.pick(FOREIGN_TOWNS);
    ({ lat, lon } = scatterAbroad(random, town));
    country = labelDraw < 0.1 ? 'France' : town.country;
  }

  const measuredAt = new Date(now.getTime() - ageSeconds * 1000);
  return {
    id,
    timestamp: formatPartnerTimestamp(measuredAt),
    lat: round(lat, 7),
    lon: round(lon, 7),
    temperature: round(plausibleTemperature(lat, lon, measuredAt) + temperatureNoise, 4),
    country,
  };
}

function scatter(random: Random, place: Place): { lat: number; lon: number } {
  const lat = place.lat + random.gaussian(place.spread);
  const lon = place.lon + random.gaussian(place.spread);
  // Keep French points in the box the contract promises; a rare far draw is pulled back to the town.
  return insideFranceBbox(lat, lon) ? { lat, lon } : { lat: place.lat, lon: place.lon };
}

function scatterAbroad(random: Random, place: Place): { lat: number; lon: number } {
  const lat = place.lat + random.gaussian(place.spread);
  const lon = place.lon + random.gaussian(place.spread);
  // Foreign points must stay outside the French box (Madrid's scatter could just reach it).
  return insideFranceBbox(lat, lon) ? { lat: place.lat, lon: place.lon } : { lat, lon };
}

/**
 * A rough climate: yearly cycle (coldest mid-January in the north), colder towards the poles,
 * warmer in the afternoon. Always well inside the validation's plausible range.
 */
function plausibleTemperature(lat: number, lon: number, at: Date): number {
  const dayOfYear = (at.getTime() - Date.UTC(at.getUTCFullYear(), 0, 1)) / 86_400_000;
  const season = -Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365.25); // -1 mid-January, +1 mid-July
  const hemisphere = lat >= 0 ? 1 : -1;
  const annualMean = 30 - 0.38 * Math.abs(lat); // ~12.5 °C at 46° N, like central France
  const seasonalSwing = 0.18 * Math.abs(lat);
  const solarHour = (((at.getUTCHours() + at.getUTCMinutes() / 60 + lon / 15) % 24) + 24) % 24;
  const daily = 4 * Math.sin((2 * Math.PI * (solarHour - 9)) / 24); // peak mid-afternoon
  return annualMean + hemisphere * seasonalSwing * season + daily;
}

export function formatPartnerTimestamp(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
