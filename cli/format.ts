/** Plain-text tables and the import summary, for terminals and logs. */
import type { ThreeHoursBeforeRow } from '../adapters/db/queries';
import { formatHour } from '../core/importHour';
import type { ImportSummary } from '../workflows/summary';

export function table(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null ? '—' : String(cell))));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const numeric = headers.map(
    (_, i) => cells.length > 0 && cells.every((row) => /^(-?\d+(\.\d+)?|—)$/.test(row[i] ?? '')),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function round(value: number | null, digits = 2): string | null {
  return value === null ? null : value.toFixed(digits);
}

export function formatSummary(summary: ImportSummary): string {
  const t = summary.totals;
  const lines = [
    `Import ${summary.hour}  ${summary.status.toUpperCase()}  (${summary.trigger}, workflow ${summary.workflowId}, run ${summary.runId})`,
    `Fetched ${t.fetched}  valid ${t.valid}  rejected ${t.rejected}  duplicates ${t.duplicates}  corrections ${t.corrections}`,
    `Counted ${t.counted}  in a region ${t.counted - t.outside}  outside every region ${t.outside}  ` +
      `country mismatches: "France" outside ${summary.countryMismatches.franceOutside}, other country inside ${summary.countryMismatches.foreignInside}`,
  ];
  const reasons = Object.entries(summary.rejectedByReason);
  if (reasons.length > 0)
    lines.push(`Rejected by reason: ${reasons.map(([code, n]) => `${code} ${n}`).join(', ')}`);
  for (const source of summary.sources) {
    const how = source.notFetched
      ? `NOT FETCHED: ${source.notFetched}`
      : source.reusedLanded
        ? 'recomputed from landed readings (source not called)'
        : source.replacedBatches > 0
          ? `refetched, replacing ${source.replacedBatches} earlier batch(es)`
          : 'fetched';
    lines.push(`Source ${source.source}: ${how}, ${source.fetched} records`);
  }
  for (const failed of summary.failedSources) lines.push(`Source ${failed.source} FAILED: ${failed.error}`);
  for (const warning of summary.warnings) lines.push(`WARNING ${warning}`);
  if (summary.recomputedHours.length > 0)
    lines.push(`Corrections re-aggregated: ${summary.recomputedHours.join(', ')}`);
  lines.push(`Regions hash ${summary.regionsHash.slice(0, 16)}`, '');
  lines.push(
    table(
      ['Region', 'Temperature (°C)', 'Points'],
      summary.regions.map((r) => [r.region, round(r.temperature), r.numberOfPoints]),
    ),
  );
  return lines.join('\n');
}

/** The analysts' view as a table: each region's hourly temperature (°C) next to 3 hours before. */
export function formatThreeHoursBefore(rows: readonly ThreeHoursBeforeRow[]): string {
  return table(
    ['Region', 'Hour', 'Temperature', 'Temperature3HoursBefore'],
    rows.map((r) => [r.region, formatHour(r.hour), round(r.temperature), round(r.temperature3HoursBefore)]),
  );
}
