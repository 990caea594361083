/**
 * Expected aggregates computed independently of the pipeline's code: turf's point-in-polygon over
 * the vendored GeoJSON features directly (smallest region code wins on shared borders), a plain
 * filter for usable records, a plain sum for the mean.
 */
import fs from 'node:fs';
import path from 'node:path';
import { booleanPointInPolygon } from '@turf/turf';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';

type RegionFeature = Feature<Polygon | MultiPolygon, { new_code: string; region: string }>;

const DATANOVA = path.join(
  __dirname,
  '../../data/regions/datanova-contours-geographiques-des-nouvelles-regions-metropole.geojson',
);

let features: RegionFeature[] | undefined;

function regionFeatures(): RegionFeature[] {
  features ??= (
    JSON.parse(fs.readFileSync(DATANOVA, 'utf8')) as FeatureCollection<Polygon | MultiPolygon>
  ).features
    .map((f) => f as RegionFeature)
    .sort((a, b) => Number(a.properties.new_code) - Number(b.properties.new_code));
  return features;
}

export function expectedRegion(lon: number, lat: number): string | null {
  const hit = regionFeatures().find((f) => booleanPointInPolygon([lon, lat], f));
  return hit ? hit.properties.region : null;
}

interface SimpleRecord {
  id?: unknown;
  lat?: unknown;
  lon?: unknown;
  temperature?: unknown;
  timestamp?: unknown;
}

function usable(record: unknown): record is { id: string; lat: number; lon: number; temperature: number } {
  if (typeof record !== 'object' || record === null) return false;
  const r = record as SimpleRecord;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  return (
    typeof r.id === 'string' &&
    typeof r.timestamp === 'string' &&
    /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(r.timestamp) &&
    !Number.isNaN(Date.parse(r.timestamp.replace(' ', 'T') + (r.timestamp.length === 19 ? 'Z' : ''))) &&
    r.id !== '' &&
    num(r.lat) &&
    num(r.lon) &&
    num(r.temperature) &&
    Math.abs(r.lat as number) <= 90 &&
    Math.abs(r.lon as number) <= 180 &&
    (r.temperature as number) >= -90 &&
    (r.temperature as number) <= 60
  );
}

/** Region → mean and count, over the usable records (the same id and content counted once). */
export function expectedAggregates(
  records: readonly unknown[],
): { region: string; temperature: number; numberOfPoints: number }[] {
  const seen = new Set<string>();
  const groups = new Map<string, number[]>();
  for (const record of records) {
    if (!usable(record)) continue;
    const identity = JSON.stringify(record);
    if (seen.has(identity)) continue;
    seen.add(identity);
    const region = expectedRegion(record.lon, record.lat);
    if (region === null) continue;
    groups.set(region, [...(groups.get(region) ?? []), record.temperature]);
  }
  return [...groups.entries()]
    .map(([region, temps]) => ({
      region,
      temperature: temps.reduce((a, b) => a + b, 0) / temps.length,
      numberOfPoints: temps.length,
    }))
    .sort((a, b) => a.region.localeCompare(b.region, 'fr'));
}
