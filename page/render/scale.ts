/**
 * The map's colours: a sequential scale over the temperatures of the 48 hours shown (so colours
 * stay comparable while stepping through them), from ColorBrewer's YlOrRd ramp: light yellow for
 * cold, dark red for warm. It is one of ColorBrewer's colour-blind-safe sequential schemes, and its
 * lightness falls steadily, so the order still reads in greyscale.
 */
import { scaleLinear, scaleSequential } from 'd3-scale';
import { interpolateYlOrRd } from 'd3-scale-chromatic';
import type { HourRow } from '../../adapters/db/page';

export interface ColourScale {
  /** °C → CSS colour. */
  colour: (celsius: number) => string;
  /** The rounded-out range (°C), also the series' vertical range. */
  domain: [number, number];
  /** Legend ticks (°C). */
  ticks: number[];
  /** The ramp at t in [0, 1], for the legend's gradient. */
  interpolate: (t: number) => string;
}

/** The fill of a region without a row for the hour (the map also hatches it). */
export const NO_DATA_FILL = '#d9d9d9';

/** When nothing is stored: a plausible range so the legend still reads (°C). */
const DEFAULT_EXTENT: [number, number] = [0, 20];

/** Scale over every temperature (and 3-hours-before temperature) of `rows`, rounded out to whole ticks. */
export function colourScale(rows: readonly HourRow[]): ColourScale {
  const values = rows.flatMap((r) =>
    r.temperature3HoursBefore === null ? [r.temperature] : [r.temperature, r.temperature3HoursBefore],
  );
  let [low, high] = values.length === 0 ? DEFAULT_EXTENT : [Math.min(...values), Math.max(...values)];
  // A single value still needs a range to draw the legend.
  if (low === high) [low, high] = [Math.floor(low - 1), Math.ceil(high + 1)];
  const linear = scaleLinear().domain([low, high]).nice(6);
  const [from, to] = linear.domain() as [number, number];
  const sequential = scaleSequential(interpolateYlOrRd).domain([from, to]);
  return {
    colour: (celsius) => sequential(celsius),
    domain: [from, to],
    ticks: linear.ticks(6),
    interpolate: interpolateYlOrRd,
  };
}
