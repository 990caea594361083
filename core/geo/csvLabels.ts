/**
 * Labels a CSV of points with their region: the `tempctl regions assign` core, pure (text in,
 * text out). Every input column and row is kept; a `region` column holds the region's name, empty
 * for none. Rows whose coordinates are missing or not numbers in range are kept, unlabelled, and
 * reported, since "why is this sensor in no region?" is often "its coordinates are broken".
 */
import { parseCsv } from '../csv';
import type { RegionIndex } from './regionIndex';

export interface LabelledCsv {
  csv: string;
  points: number;
  inRegion: number;
  inNoRegion: number;
  /** 1-based line numbers (of the record's first line) of rows with unusable coordinates. */
  invalidLines: number[];
}

const LAT_NAMES = ['lat', 'latitude'];
const LON_NAMES = ['lon', 'lng', 'long', 'longitude'];
const REGION_COLUMN = 'region';

export function labelCsv(text: string, index: RegionIndex): LabelledCsv {
  const records = parseCsv(text);
  const header = records[0];
  if (header === undefined)
    throw new Error('the CSV is empty: it needs a header row with lat and lon columns');
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const latColumn = names.findIndex((name) => LAT_NAMES.includes(name));
  const lonColumn = names.findIndex((name) => LON_NAMES.includes(name));
  if (latColumn < 0 || lonColumn < 0) {
    throw new Error(`the header must name a lat and a lon column; it has: ${header.fields.join(', ')}`);
  }
  // An existing region column is overwritten in place rather than duplicated.
  let regionColumn = names.indexOf(REGION_COLUMN);
  const width = regionColumn >= 0 ? header.fields.length : header.fields.length + 1;
  if (regionColumn < 0) regionColumn = header.fields.length;

  const rows = records.slice(1);
  const lon = new Float64Array(rows.length);
  const lat = new Float64Array(rows.length);
  const invalidLines: number[] = [];
  rows.forEach((row, i) => {
    if (row.fields.length > header.fields.length) {
      throw new Error(
        `line ${row.line} has ${row.fields.length} fields but the header has ${header.fields.length}`,
      );
    }
    const latitude = coordinate(row.fields[latColumn], 90);
    const longitude = coordinate(row.fields[lonColumn], 180);
    if (latitude === undefined || longitude === undefined) invalidLines.push(row.line);
    lat[i] = latitude ?? Number.NaN;
    lon[i] = longitude ?? Number.NaN;
  });
  const regions = new Int16Array(rows.length);
  index.assign(lon, lat, regions);

  let inRegion = 0;
  const lines = [serialize(withColumn(header.fields, width, regionColumn, REGION_COLUMN))];
  rows.forEach((row, i) => {
    const region = regions[i] as number;
    const name = region < 0 ? '' : (index.regions[region]?.name ?? '');
    if (region >= 0) inRegion++;
    lines.push(serialize(withColumn(row.fields, width, regionColumn, name)));
  });
  return {
    csv: `${lines.join('\n')}\n`,
    points: rows.length,
    inRegion,
    inNoRegion: rows.length - inRegion - invalidLines.length,
    invalidLines,
  };
}

function coordinate(field: string | undefined, limit: number): number | undefined {
  if (field === undefined || field.trim() === '') return undefined;
  const value = Number(field.trim());
  return Number.isFinite(value) && value >= -limit && value <= limit ? value : undefined;
}

/** The row padded to the header's width, with `value` in the region column. */
function withColumn(fields: string[], width: number, column: number, value: string): string[] {
  const out = Array.from({ length: width }, (_, i) => fields[i] ?? '');
  out[column] = value;
  return out;
}

function serialize(fields: string[]): string {
  return fields.map((field) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(',');
}
