/**
 * Each region's last 48 hours as a small chart: the temperature (solid) and the temperature 3 hours
 * before (dashed), on one vertical range shared by all 13 so they compare at a glance. An hour
 * without a row is a gap in both lines, never interpolated.
 */
import { line } from 'd3-shape';
import type { HourRow } from '../../adapters/db/page';
import { hoursBetween } from '../../core/importHour';
import type { MapRegion } from '../regions';
import { celsius, esc, hourLabel, seriesId } from './format';
import type { ColourScale } from './scale';

const W = 260;
const H = 96;
const M = { top: 6, right: 8, bottom: 16, left: 30 };

interface Point {
  hour: Date;
  value: number | null;
}

function chart(
  points: { now: Point[]; before: Point[] },
  scale: ColourScale,
  window: { from: Date; to: Date },
): string {
  const [low, high] = scale.domain;
  const span = window.to.getTime() - window.from.getTime() || 1;
  const x = (hour: Date) =>
    M.left + ((hour.getTime() - window.from.getTime()) / span) * (W - M.left - M.right);
  const y = (value: number) => M.top + ((high - value) / (high - low)) * (H - M.top - M.bottom);
  const draw = line<Point>()
    .defined((p) => p.value !== null)
    .x((p) => x(p.hour))
    .y((p) => y(p.value ?? 0))
    .digits(1);
  const dots = points.now
    .filter((p, i, all) => p.value !== null && all[i - 1]?.value == null && all[i + 1]?.value == null)
    .map((p) => `<circle cx="${x(p.hour).toFixed(1)}" cy="${y(p.value ?? 0).toFixed(1)}" r="1.8"/>`)
    .join('');
  const grid = [low, (low + high) / 2, high]
    .map(
      (v) =>
        `<line x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text x="${M.left - 4}" y="${(y(v) + 3).toFixed(1)}">${Number(v.toFixed(1))}</text>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" aria-hidden="true">
<g class="grid">${grid}</g>
<line class="now-rule" x1="${x(window.to).toFixed(1)}" x2="${x(window.to).toFixed(1)}" y1="${M.top}" y2="${H - M.bottom}"/>
<path class="before" d="${draw(points.before) ?? ''}"/>
<path class="temp" d="${draw(points.now) ?? ''}"/>
<g class="dots">${dots}</g>
<text class="axis" x="${M.left}" y="${H - 3}">-48 h</text><text class="axis end" x="${W - M.right}" y="${H - 3}">${esc(window.to.toISOString().slice(11, 16))}</text>
</svg>`;
}

export function renderSeries(
  regions: readonly MapRegion[],
  series: readonly HourRow[],
  scale: ColourScale,
  window: { from: Date; to: Date },
): string {
  const hours = hoursBetween(window.from, window.to);
  const cards = regions.map((region) => {
    const byHour = new Map(series.filter((r) => r.region === region.name).map((r) => [r.hour.getTime(), r]));
    const now = hours.map((hour) => ({ hour, value: byHour.get(hour.getTime())?.temperature ?? null }));
    const before = hours.map((hour) => ({
      hour,
      value: byHour.get(hour.getTime())?.temperature3HoursBefore ?? null,
    }));
    const latest = byHour.get(window.to.getTime());
    const stored = byHour.size;
    return `<article class="series-card" id="${seriesId(region.code)}" data-region="${esc(region.name)}" tabindex="-1">
<h3>${esc(region.name)} <span class="value">${esc(celsius(latest?.temperature ?? null, 1))}</span></h3>
${chart({ now, before }, scale, window)}
<p class="note">${stored} of ${hours.length} hours stored${stored < hours.length ? ' (gaps: no row)' : ''}</p>
</article>`;
  });
  return `<p class="series-key"><span class="key temp"></span> temperature <span class="key before"></span> temperature 3 hours before — ${esc(hourLabel(window.from))} to ${esc(hourLabel(window.to))}</p>
<div class="series-grid">${cards.join('\n')}</div>`;
}
