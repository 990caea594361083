/** Text the page and the report share: numbers, hours and HTML escaping. */
import escapeHtml from 'escape-html';
import { formatHour } from '../../core/importHour';

/** Escapes text for HTML content and quoted attribute values. */
export const esc = (value: unknown): string => escapeHtml(String(value));

/** A stored temperature (°C) for reading, 2 decimals: "7.12 °C"; null as "no data". */
export function celsius(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? 'no data' : `${value.toFixed(digits)} °C`;
}

/** "2026-11-29 14:00 UTC" */
export function hourLabel(hour: Date): string {
  return `${hour.toISOString().slice(0, 10)} ${hour.toISOString().slice(11, 16)} UTC`;
}

/** The hour as the page's URLs and the API write it: 2026-11-29T14:00:00Z */
export const hourParam = formatHour;

/** "2026-11-29 14:03:12 UTC", or "—". */
export function instantLabel(instant: Date | null): string {
  return instant === null ? '—' : `${instant.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A region's anchor id: "region-" and its INSEE code. */
export const seriesId = (code: string): string => `series-${code}`;
