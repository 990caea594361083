/**
 * The choropleth: the 13 regions as SVG paths, each filled by its temperature for the hour, with
 * the temperature written on it and a legend in °C. Drawn on the server with d3-geo, so the page and
 * the report share it and it reads without script. Each region is a link to its series (keyboard
 * focusable) whose label says name, temperature, points and temperature 3 hours before.
 */
import { geoConicConformal, geoPath } from 'd3-geo';
import type { HourRow } from '../../adapters/db/page';
import type { MapRegion } from '../regions';
import { celsius, esc, seriesId } from './format';
import { NO_DATA_FILL, type ColourScale } from './scale';

const WIDTH = 600;
const HEIGHT = 570;
const PAD = 12;

/** "Bretagne: 11.27 °C, 42 points; 3 hours before: 10.90 °C": what a screen reader says and the native tooltip shows. */
export function regionLabel(name: string, row: HourRow | undefined): string {
  if (row === undefined) return `${name}: no data for this hour`;
  return `${name}: ${celsius(row.temperature)}, ${row.numberOfPoints} points; 3 hours before: ${celsius(row.temperature3HoursBefore)}`;
}

function numberAttr(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

/**
 * The map for `rows` (one hour). Each region carries its stored numbers (data-temperature, data-points, data-before: exact, empty
 * when absent) and the same as the page writes them (data-…-text), which the script's tooltip shows.
 */
export function renderMap(
  regions: readonly MapRegion[],
  rows: readonly HourRow[],
  scale: ColourScale,
): string {
  // Lambert-93's parameters (central meridian 3°E, standard parallels 44°N and 49°N): France as its maps show it.
  const projection = geoConicConformal()
    .parallels([44, 49])
    .rotate([-3, 0])
    .fitExtent(
      [
        [PAD, PAD],
        [WIDTH - PAD, HEIGHT - PAD],
      ],
      { type: 'FeatureCollection', features: regions.map((r) => r.feature) },
    );
  const path = geoPath(projection).digits(1);
  const byName = new Map(rows.map((row) => [row.region, row]));

  const shapes = regions.map((region) => {
    const row = byName.get(region.name);
    const label = regionLabel(region.name, row);
    const fill = row === undefined ? NO_DATA_FILL : scale.colour(row.temperature);
    return `<a class="region${row === undefined ? ' no-data' : ''}" href="#${seriesId(region.code)}" id="region-${region.code}"
  data-region="${esc(region.name)}" data-temperature="${numberAttr(row?.temperature)}" data-points="${numberAttr(row?.numberOfPoints)}" data-before="${numberAttr(row?.temperature3HoursBefore)}"
  data-temperature-text="${esc(celsius(row?.temperature))}" data-before-text="${esc(celsius(row?.temperature3HoursBefore))}" aria-label="${esc(label)}">
  <title>${esc(label)}</title>
  <path d="${path(region.feature) ?? ''}" fill="${fill}"/>${row === undefined ? `<path d="${path(region.feature) ?? ''}" fill="url(#no-data-hatch)" class="hatch"/>` : ''}
</a>`;
  });
  const labels = regions.map((region) => {
    const row = byName.get(region.name);
    const [x, y] = path.centroid(region.feature);
    const text = row === undefined ? '–' : `${row.temperature.toFixed(1)}°`;
    // Light text on the darker half of the ramp, dark text on the lighter half.
    const [low, high] = scale.domain;
    const dark = row !== undefined && (row.temperature - low) / (high - low) > 0.55;
    return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${dark ? ' class="on-dark"' : ''}>${esc(text)}</text>`;
  });
  return `<svg class="map" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="group" aria-label="Map of the 13 regions coloured by mean temperature">
<defs><pattern id="no-data-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#8c8c8c" stroke-width="1.5"/></pattern></defs>
<g class="regions">${shapes.join('\n')}</g>
<g class="labels" aria-hidden="true">${labels.join('')}</g>
</svg>`;
}

/** A horizontal colour bar with ticks in °C, and a swatch for regions without data. */
export function renderLegend(scale: ColourScale): string {
  const width = 320;
  const barX = 10;
  const barWidth = width - 20;
  const [low, high] = scale.domain;
  const x = (value: number) => barX + ((value - low) / (high - low)) * barWidth;
  const stops = Array.from({ length: 11 }, (_, i) => {
    const t = i / 10;
    return `<stop offset="${t * 100}%" stop-color="${scale.interpolate(t)}"/>`;
  }).join('');
  const ticks = scale.ticks
    .map(
      (tick) =>
        `<line x1="${x(tick).toFixed(1)}" x2="${x(tick).toFixed(1)}" y1="26" y2="31"/><text x="${x(tick).toFixed(1)}" y="44">${tick}</text>`,
    )
    .join('');
  return `<figure class="legend">
<svg viewBox="0 0 ${width} 52" role="img" aria-label="Colour scale from ${low} °C (light yellow) to ${high} °C (dark red)">
<defs><linearGradient id="legend-ramp">${stops}</linearGradient></defs>
<rect x="${barX}" y="12" width="${barWidth}" height="14" fill="url(#legend-ramp)" stroke="#555" stroke-width="0.5"/>
<g class="ticks">${ticks}</g>
</svg>
<figcaption>Mean temperature, °C. <span class="swatch no-data" aria-hidden="true"></span> no data for the hour.</figcaption>
</figure>`;
}
