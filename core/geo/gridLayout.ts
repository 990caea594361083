/**
 * Where the grid's cells are. One definition of every cell boundary, used both to file edges into
 * cells when building and (through the same arithmetic) to find a point's cell when querying, so
 * that the two can never disagree by a rounding.
 *
 * The grid covers the regions' bbox with `columns × rows` fine cells, grouped in blocks of
 * `blockSize × blockSize` (blockSize = 2^blockShift). A point's fine cell is
 * `min(trunc((lon − west) · columnsPerDegree), columns − 1)` (likewise for rows); its block is the
 * fine cell shifted right by blockShift.
 *
 * Each cell is also given an "expanded rectangle", its nominal bounds widened by a margin that is
 * tiny (≈1e-7 of a cell) but thousands of times larger than the rounding in finding a point's
 * cell: every point the lookup sends to a cell lies inside the cell's expanded rectangle. All the
 * exactness arguments of the index are made about expanded rectangles.
 */
import type { BBox } from './types';

// Bound once: in a sandboxed global scope (jest's vm context) every `Math.x` lookup is ~100x slower.
const { ceil, floor, max, min, sqrt } = Math;

export interface GridLayout {
  west: number;
  south: number;
  columns: number;
  rows: number;
  cellWidth: number;
  cellHeight: number;
  columnsPerDegree: number;
  rowsPerDegree: number;
  blockShift: number;
  blockColumns: number;
  blockRows: number;
  marginX: number;
  marginY: number;
}

export interface LayoutOptions {
  /** About how many blocks the coarse table has; it is read for every point, so it should stay cache-sized. */
  targetBlocks: number;
  /** log2 of the fine cells per block side. */
  blockShift: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { targetBlocks: 1 << 16, blockShift: 4 };

export function planLayout(bbox: BBox, options: LayoutOptions = DEFAULT_LAYOUT): GridLayout {
  // A degenerate extent (all vertices on one meridian) still gets a positive cell size.
  const width = max(bbox.east - bbox.west, 1e-9);
  const height = max(bbox.north - bbox.south, 1e-9);
  const blockSide = sqrt((width * height) / options.targetBlocks);
  const blockColumns = max(1, ceil(width / blockSide));
  const blockRows = max(1, ceil(height / blockSide));
  const columns = blockColumns << options.blockShift;
  const rows = blockRows << options.blockShift;
  const cellWidth = width / columns;
  const cellHeight = height / rows;
  return {
    west: bbox.west,
    south: bbox.south,
    columns,
    rows,
    cellWidth,
    cellHeight,
    columnsPerDegree: 1 / cellWidth,
    rowsPerDegree: 1 / cellHeight,
    blockShift: options.blockShift,
    blockColumns,
    blockRows,
    // 2^-24 of a cell dwarfs the relative rounding (~2^-52 · columns) of the cell lookup; 1e-11°
    // dwarfs the absolute rounding of coordinates up to 180° (ulp(180) ≈ 2.8e-14).
    marginX: cellWidth * 2 ** -24 + 1e-11,
    marginY: cellHeight * 2 ** -24 + 1e-11,
  };
}

/** The fine column a longitude inside the bbox falls in (the query's arithmetic). */
export function columnOf(layout: GridLayout, lon: number): number {
  return min(((lon - layout.west) * layout.columnsPerDegree) | 0, layout.columns - 1);
}

export function rowOf(layout: GridLayout, lat: number): number {
  return min(((lat - layout.south) * layout.rowsPerDegree) | 0, layout.rows - 1);
}

/** Bounds of the expanded rectangle of column j / row r. Monotone in j and r. */
export function columnLeft(layout: GridLayout, j: number): number {
  return layout.west + j * layout.cellWidth - layout.marginX;
}
export function columnRight(layout: GridLayout, j: number): number {
  return layout.west + (j + 1) * layout.cellWidth + layout.marginX;
}
export function rowBottom(layout: GridLayout, r: number): number {
  return layout.south + r * layout.cellHeight - layout.marginY;
}
export function rowTop(layout: GridLayout, r: number): number {
  return layout.south + (r + 1) * layout.cellHeight + layout.marginY;
}

/** The first column whose expanded rectangle reaches `x` from the left: smallest j with columnRight(j) ≥ x. */
export function firstColumnReaching(layout: GridLayout, x: number): number {
  let j = clamp(floor((x - layout.west) * layout.columnsPerDegree), 0, layout.columns - 1);
  while (j > 0 && columnRight(layout, j - 1) >= x) j--;
  while (j < layout.columns - 1 && columnRight(layout, j) < x) j++;
  return j;
}

/** The last column whose expanded rectangle starts at or before `x`: largest j with columnLeft(j) ≤ x. */
export function lastColumnReaching(layout: GridLayout, x: number): number {
  let j = clamp(floor((x - layout.west) * layout.columnsPerDegree), 0, layout.columns - 1);
  while (j < layout.columns - 1 && columnLeft(layout, j + 1) <= x) j++;
  while (j > 0 && columnLeft(layout, j) > x) j--;
  return j;
}

export function firstRowReaching(layout: GridLayout, y: number): number {
  let r = clamp(floor((y - layout.south) * layout.rowsPerDegree), 0, layout.rows - 1);
  while (r > 0 && rowTop(layout, r - 1) >= y) r--;
  while (r < layout.rows - 1 && rowTop(layout, r) < y) r++;
  return r;
}

export function lastRowReaching(layout: GridLayout, y: number): number {
  let r = clamp(floor((y - layout.south) * layout.rowsPerDegree), 0, layout.rows - 1);
  while (r < layout.rows - 1 && rowBottom(layout, r + 1) <= y) r++;
  while (r > 0 && rowBottom(layout, r) > y) r--;
  return r;
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
