/**
 * The page's tables: the hour's values (the map's text alternative), the run ledger and the
 * quarantine. Statuses are written out and marked with a symbol, never shown by colour alone.
 */
import type { HourRow, QuarantineRow } from '../../adapters/db/page';
import type { RunRow } from '../../adapters/db/runs';
import type { RunStatus } from '../../core/policies';
import type { ImportSummary } from '../../workflows/summary';
import { temporalRunUrl, type TemporalLink } from '../model';
import type { MapRegion } from '../regions';
import { celsius, esc, hourLabel, hourParam, instantLabel, seriesId } from './format';

const STATUS_MARK: Record<RunStatus, string> = {
  succeeded: '✓',
  incomplete: '◐',
  failed: '✗',
  running: '…',
};

export function statusBadge(status: RunStatus | null): string {
  if (status === null) return '<span class="status none">no run</span>';
  return `<span class="status ${status}"><span aria-hidden="true">${STATUS_MARK[status]}</span> ${status}</span>`;
}

export function renderRegionTable(regions: readonly MapRegion[], rows: readonly HourRow[]): string {
  const byName = new Map(rows.map((row) => [row.region, row]));
  const body = regions
    .map((region) => {
      const row = byName.get(region.name);
      return `<tr data-region="${esc(region.name)}"><th scope="row"><a href="#${seriesId(region.code)}">${esc(region.name)}</a></th><td class="num">${esc(celsius(row?.temperature ?? null))}</td><td class="num">${row?.numberOfPoints ?? '—'}</td><td class="num">${esc(celsius(row?.temperature3HoursBefore ?? null))}</td></tr>`;
    })
    .join('\n');
  return `<table class="regions-table">
<caption>Values for the hour (the map's data)</caption>
<thead><tr><th scope="col">Region</th><th scope="col">Temperature</th><th scope="col">Points</th><th scope="col">3 hours before</th></tr></thead>
<tbody>${body}</tbody>
</table>`;
}

/** The ledger's report: an ImportSummary for finished runs, null while running or when the run failed early. */
function summaryOf(run: RunRow): Partial<ImportSummary> {
  return run.report !== null && typeof run.report === 'object' ? (run.report as Partial<ImportSummary>) : {};
}

function reasonsList(byReason: Record<string, number> | undefined): string {
  const entries = Object.entries(byReason ?? {});
  if (entries.length === 0) return '';
  return `<ul class="reasons">${entries.map(([code, n]) => `<li><code>${esc(code)}</code> ${n}</li>`).join('')}</ul>`;
}

/** `linkHours`: each hour links to the page at that hour (not in the report, which is one file). */
export function renderRunsTable(runs: readonly RunRow[], temporal: TemporalLink, linkHours: boolean): string {
  if (runs.length === 0) return '<p>No import has run yet.</p>';
  const body = runs
    .map((run) => {
      const summary = summaryOf(run);
      const t = summary.totals;
      const warnings = [...(summary.warnings ?? []), ...(run.error === null ? [] : [run.error])];
      return `<tr class="run ${run.status}" data-run="${esc(run.run_id)}">
<td>${linkHours ? `<a href="?hour=${esc(hourParam(run.import_hour))}">${esc(hourLabel(run.import_hour))}</a>` : esc(hourLabel(run.import_hour))}</td>
<td>${statusBadge(run.status)}</td>
<td>${esc(run.trigger)}</td>
<td>${esc(instantLabel(run.started_at))}</td>
<td class="num">${t?.fetched ?? '—'}</td>
<td class="num">${t?.valid ?? '—'}</td>
<td class="num">${t?.rejected ?? '—'}${reasonsList(summary.rejectedByReason)}</td>
<td class="num">${t?.outside ?? '—'}</td>
<td class="warnings">${warnings.map((w) => `<p>${esc(w)}</p>`).join('')}</td>
<td><a href="${esc(temporalRunUrl(temporal, run))}" rel="noreferrer">workflow</a></td>
</tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table class="runs-table">
<caption>Latest imports (newest first)</caption>
<thead><tr><th scope="col">Hour</th><th scope="col">Status</th><th scope="col">Trigger</th><th scope="col">Started</th><th scope="col">Fetched</th><th scope="col">Valid</th><th scope="col">Rejected (by reason)</th><th scope="col">Outside every region</th><th scope="col">Warnings and errors</th><th scope="col">Temporal UI</th></tr></thead>
<tbody>${body}</tbody>
</table></div>`;
}

/** Reasons are stored as [{code, message}] (core/reading.ts). */
function reasonItems(reasons: unknown): string {
  const list = Array.isArray(reasons) ? (reasons as { code?: unknown; message?: unknown }[]) : [];
  return list.map((r) => `<li><code>${esc(r.code ?? '?')}</code> ${esc(r.message ?? '')}</li>`).join('');
}

const RAW_PREVIEW = 160;

export function renderQuarantineTable(rows: readonly QuarantineRow[]): string {
  if (rows.length === 0) return '<p>The quarantine is empty.</p>';
  const body = rows
    .map((row) => {
      // The text as sent when the source had one (NaN, -0.0, 1e400 as written), else the stored JSON.
      const raw = row.raw_text ?? JSON.stringify(row.raw);
      const preview = raw.length > RAW_PREVIEW ? `${raw.slice(0, RAW_PREVIEW)}…` : raw;
      return `<tr><td class="num">${row.quarantine_id}</td><td>${esc(hourLabel(row.import_hour))}</td><td>${esc(row.source)}</td><td><ul class="reasons">${reasonItems(row.reasons)}</ul></td><td><code class="raw">${esc(preview)}</code></td></tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table class="quarantine-table">
<caption>Most recent quarantined records (newest first)</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Import hour</th><th scope="col">Source</th><th scope="col">Reasons</th><th scope="col">Record as received</th></tr></thead>
<tbody>${body}</tbody>
</table></div>`;
}
