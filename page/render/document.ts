/**
 * The whole page, for `tempctl serve` (mode "page": an hour picker and a small script for tooltips
 * and stepping) and `tempctl report` (mode "report": one self-contained file, no script, no link
 * outside itself). Both come from this one function, so they show the same map and tables.
 */
import { addHours } from '../../core/importHour';
import type { PageModel } from '../model';
import type { MapRegion } from '../regions';
import { PAGE_CSS } from './css';
import { esc, hourLabel, hourParam, instantLabel } from './format';
import { renderLegend, renderMap } from './map';
import { colourScale } from './scale';
import { renderSeries } from './series';
import { renderQuarantineTable, renderRegionTable, renderRunsTable, statusBadge } from './tables';

export type RenderMode = 'page' | 'report';

/** The URL path of the bundled client script (page mode only). */
export const SCRIPT_PATH = '/assets/page.js';

function hourStatus(model: PageModel): string {
  const listing = model.listing;
  if (model.hour === null) return '<p class="banner empty">No hour has been imported yet.</p>';
  if (listing === undefined)
    return `<p class="banner empty" role="status">Nothing stored for ${esc(hourLabel(model.hour))}: no rows and no import run.</p>`;
  if (listing.lastRunStatus === 'failed')
    return `<p class="banner failed" role="status"><strong>Import failed</strong> for ${esc(hourLabel(model.hour))}${listing.lastRunError === null ? '' : `: ${esc(listing.lastRunError)}`}. ${listing.regions === 0 ? 'No region has a value for this hour.' : 'The map shows the values stored before the failure.'}</p>`;
  const missing = 13 - listing.regions;
  return `<p class="banner ${listing.lastRunStatus ?? 'none'}" role="status">${statusBadge(listing.lastRunStatus)} ${listing.regions} of 13 regions have a value${missing > 0 ? ` (${missing} without readings, hatched)` : ''}.</p>`;
}

function hourPicker(model: PageModel): string {
  if (model.hour === null) return '';
  const hour = model.hour;
  const newest = model.hours[0]?.hour;
  const oldest = model.hours[model.hours.length - 1]?.hour;
  const previous = oldest !== undefined && hour > oldest ? addHours(hour, -1) : null;
  const next = newest !== undefined && hour < newest ? addHours(hour, 1) : null;
  const options = model.hours
    .map((h) => {
      const status = h.lastRunStatus === null ? 'no run' : h.lastRunStatus;
      const selected = h.hour.getTime() === hour.getTime() ? ' selected' : '';
      return `<option value="${esc(hourParam(h.hour))}"${selected}>${esc(hourLabel(h.hour))} — ${esc(status)}, ${h.regions} regions</option>`;
    })
    .join('');
  const step = (to: Date | null, rel: string, text: string, key: string) =>
    to === null
      ? `<span class="step disabled" aria-disabled="true">${text}</span>`
      : `<a class="step" id="step-${rel}" rel="${rel}" href="?hour=${esc(hourParam(to))}" data-hour="${esc(hourParam(to))}" aria-keyshortcuts="${key}">${text}</a>`;
  return `<form class="picker" id="picker" method="get" action="/">
${step(previous, 'prev', '← Previous hour', 'ArrowLeft')}
<label for="hour-select">Hour</label>
<select id="hour-select" name="hour">${options}</select>
<button type="submit" class="show">Show</button>
${step(next, 'next', 'Next hour →', 'ArrowRight')}
${newest !== undefined && hour.getTime() !== newest.getTime() ? `<a class="step latest" href="/">Latest</a>` : ''}
</form>`;
}

export function renderDocument(model: PageModel, regions: readonly MapRegion[], mode: RenderMode): string {
  const scale = colourScale(model.series.length > 0 ? model.series : model.rows);
  const title =
    model.hour === null ? 'Regional temperatures' : `Regional temperatures — ${hourLabel(model.hour)}`;
  const content = `
<section class="overview" aria-labelledby="map-heading">
  <div class="map-panel">
    <h2 id="map-heading">${model.hour === null ? 'Map' : `Mean temperature, ${esc(hourLabel(model.hour))}`}</h2>
    ${hourStatus(model)}
    ${renderMap(regions, model.rows, scale)}
    ${renderLegend(scale)}
    <div class="tooltip" id="tooltip" role="status" hidden></div>
  </div>
  <div class="table-panel">${renderRegionTable(regions, model.rows)}</div>
</section>
${
  model.window === null
    ? ''
    : `<section aria-labelledby="series-heading"><h2 id="series-heading">Each region, last 48 hours</h2>${renderSeries(regions, model.series, scale, model.window)}</section>`
}
<section aria-labelledby="runs-heading"><h2 id="runs-heading">Run health</h2>${renderRunsTable(model.runs, model.temporal, mode === 'page')}</section>
<section aria-labelledby="quarantine-heading"><h2 id="quarantine-heading">Quarantine</h2>${renderQuarantineTable(model.quarantine)}</section>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${PAGE_CSS}</style>
${mode === 'page' ? `<script type="module" src="${SCRIPT_PATH}"></script>` : ''}
</head>
<body class="${mode}" data-hour="${model.hour === null ? '' : esc(hourParam(model.hour))}">
<header>
  <h1>Regional temperatures</h1>
  <p class="subtitle">Mean of the partner's sensor readings per French region and hour (UTC). ${mode === 'report' ? `Report generated ${esc(instantLabel(model.generatedAt))}.` : 'Read-only.'}</p>
  ${mode === 'page' ? hourPicker(model) : ''}
</header>
<main id="content">${content}</main>
<footer>Region shapes: IGN – ADMIN EXPRESS COG 2018 (Licence Ouverte / Open Licence), simplified, via gregoiredavid/france-geojson.</footer>
</body>
</html>
`;
}
