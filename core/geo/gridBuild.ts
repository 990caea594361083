/**
 * Builds the grid index's tables in one scanline pass over the fine rows.
 *
 * Why a cell can be answered without looking at every edge (the exactness argument). Fix a
 * polygon P and a cell with expanded rectangle R = [X0, X1] × [Y0, Y1]; the point p is in R. turf
 * decides P by the parity of its per-edge crossing indicators cnt_e(p) (edgeTest.ts), or by a
 * boundary hit. Split P's edges in three, using only exact comparisons of coordinates:
 *   A, the edges whose bbox meets R (kept in the cell, tested with turf's arithmetic);
 *   L, the edges entirely left of R (maxx < X0);
 *   the rest, whose bbox misses R but not to the left: entirely right of p, or entirely above or
 *   below p's latitude; turf never counts those (both u > 0, or v1, v2 of one sign) nor reports
 *   a boundary on them.
 * For an L edge both u are negative, and turf's indicator is then exactly
 * [y1 ≤ py] XOR [y2 ≤ py] — no rounding involved. Summed over L it telescopes by vertex:
 *   XOR_{e in L} ([y1 ≤ py] XOR [y2 ≤ py]) = XOR over vertices v of (deg_L(v) mod 2)·[v.y ≤ py].
 *   - Vertices below Y0 always count: together they give a constant C, the parity of the L edges
 *     crossing the line y = Y0 (one end below it, one at or above), found by the sweep below.
 *   - Vertices above Y1 never count.
 *   - A vertex inside [Y0, Y1] with exactly one L edge ("special") toggles the parity when
 *     py ≥ v.y. Its other edge has an end (v) left of X0 and is not in L, so it reaches X0 with
 *     v.y in the band: it is an A edge. So specials are found from the cell's own A edges: an
 *     end of an A edge whose neighbouring edge around the ring is in L.
 * Hence parity_P(p) = C XOR #(specials with y ≤ py) XOR XOR_{e in A} cnt_e(p), and a boundary
 * hit can only come from A. A cell with no A edge of any polygon has one answer for every point
 * in it: the smallest region with a polygon whose C is 1.
 *
 * The sweep: for each fine row, an edge in L of a cell in that row stays in L for every cell to
 * its right, so C per polygon along the row is a prefix parity over "flips": each edge crossing
 * the row's line y = Y0 flips its polygon's parity from the first column right of its bbox.
 */
import { flattenRegions, type FlatRegions } from './flat';
import {
  firstColumnReaching,
  firstRowReaching,
  lastColumnReaching,
  lastRowReaching,
  planLayout,
  rowBottom,
  rowTop,
  type GridLayout,
  type LayoutOptions,
} from './gridLayout';
import type { RegionSet } from './types';

// Bound once: in a sandboxed global scope (jest's vm context) every `Math.x` lookup is ~100x slower.
const { floor, max, min } = Math;

/** What a cell holds when one answer fits all its points: `-answer - 2` (so "none" (-1) stays -1). Mixed cells hold ids ≥ 0. */
export function pureCode(answer: number): number {
  return -answer - 2;
}

export interface GridTables {
  layout: GridLayout;
  /** Per block (row-major): a pure code, or the block's number in `cells`. */
  blocks: Int32Array;
  /** Per fine cell of each mixed block (blockNumber · blockSize² + rowInBlock · blockSize + columnInBlock): a pure code or a mixed-cell id. */
  cells: Int32Array;
  /** Per mixed cell: the answer when none of its entries contains the point (a region wholly covering the cell, or -1). */
  cellFloor: Int32Array;
  /** Per mixed cell, its entries: entries[cellEntryStart[m] .. cellEntryStart[m + 1]), by region ascending. */
  cellEntryStart: Int32Array;
  /** Per entry (one polygon in one cell): its region, C, A edges (ring positions) and special latitudes. */
  entryRegion: Int32Array;
  entryParity: Uint8Array;
  entryEdgeStart: Int32Array;
  entryEdges: Int32Array;
  entrySpecialStart: Int32Array;
  specialLatitudes: Float64Array;
  xs: Float64Array;
  ys: Float64Array;
}

export function buildGridTables(set: RegionSet, options?: LayoutOptions): GridTables {
  const flat = flattenRegions(set);
  const layout = planLayout(set.bbox, options);
  const extents = edgeCellExtents(flat, layout);
  const buckets = rowBuckets(extents, layout.rows, flat.edgeCount);
  const blockNumbers = mixedBlocks(extents, layout, flat.edgeCount);
  return new RowSweep(flat, layout, extents, buckets, blockNumbers, set.regions.length).run();
}

interface EdgeCellExtents {
  firstColumn: Int32Array;
  lastColumn: Int32Array;
  firstRow: Int32Array;
  lastRow: Int32Array;
  minY: Float64Array;
  maxY: Float64Array;
  incidences: number;
}

/** The rectangle of cells whose expanded rectangle each edge's bbox meets: the cells where it is an A edge. */
function edgeCellExtents(flat: FlatRegions, layout: GridLayout): EdgeCellExtents {
  const n = flat.edgeCount;
  const extents: EdgeCellExtents = {
    firstColumn: new Int32Array(n),
    lastColumn: new Int32Array(n),
    firstRow: new Int32Array(n),
    lastRow: new Int32Array(n),
    minY: new Float64Array(n),
    maxY: new Float64Array(n),
    incidences: 0,
  };
  for (let e = 0; e < n; e++) {
    const k = flat.edgeStart[e] as number;
    const x1 = flat.xs[k] as number;
    const x2 = flat.xs[k + 1] as number;
    const y1 = flat.ys[k] as number;
    const y2 = flat.ys[k + 1] as number;
    const first = firstColumnReaching(layout, min(x1, x2));
    const last = lastColumnReaching(layout, max(x1, x2));
    const bottom = firstRowReaching(layout, min(y1, y2));
    const top = lastRowReaching(layout, max(y1, y2));
    extents.firstColumn[e] = first;
    extents.lastColumn[e] = last;
    extents.firstRow[e] = bottom;
    extents.lastRow[e] = top;
    extents.minY[e] = min(y1, y2);
    extents.maxY[e] = max(y1, y2);
    extents.incidences += (last - first + 1) * (top - bottom + 1);
  }
  return extents;
}

interface RowBuckets {
  start: Int32Array;
  edges: Int32Array;
  /** The most A incidences any one row has: the size of the sort buffer. */
  maxRowIncidences: number;
}

/** For each fine row, the edges whose bbox meets it, in edge order (so grouped by polygon, in polygon order). */
function rowBuckets(extents: EdgeCellExtents, rows: number, edgeCount: number): RowBuckets {
  const start = new Int32Array(rows + 1);
  const rowIncidences = new Float64Array(rows);
  for (let e = 0; e < edgeCount; e++) {
    const span = (extents.lastColumn[e] as number) - (extents.firstColumn[e] as number) + 1;
    for (let r = extents.firstRow[e] as number; r <= (extents.lastRow[e] as number); r++) {
      start[r + 1]!++;
      rowIncidences[r]! += span;
    }
  }
  for (let r = 0; r < rows; r++) start[r + 1]! += start[r] as number;
  const edges = new Int32Array(start[rows] as number);
  const fill = start.slice(0, rows);
  for (let e = 0; e < edgeCount; e++) {
    for (let r = extents.firstRow[e] as number; r <= (extents.lastRow[e] as number); r++)
      edges[fill[r]!++] = e;
  }
  let maxRowIncidences = 0;
  for (const count of rowIncidences) maxRowIncidences = max(maxRowIncidences, count);
  return { start, edges, maxRowIncidences };
}

/** Numbers the blocks holding at least one A incidence (0, 1, …); -1 for blocks with none. */
function mixedBlocks(extents: EdgeCellExtents, layout: GridLayout, edgeCount: number): Int32Array {
  const numbers = new Int32Array(layout.blockColumns * layout.blockRows).fill(-1);
  const shift = layout.blockShift;
  for (let e = 0; e < edgeCount; e++) {
    for (
      let br = (extents.firstRow[e] as number) >> shift;
      br <= (extents.lastRow[e] as number) >> shift;
      br++
    ) {
      for (
        let bc = (extents.firstColumn[e] as number) >> shift;
        bc <= (extents.lastColumn[e] as number) >> shift;
        bc++
      ) {
        numbers[br * layout.blockColumns + bc] = 0;
      }
    }
  }
  let next = 0;
  for (let b = 0; b < numbers.length; b++) if (numbers[b] === 0) numbers[b] = next++;
  return numbers;
}

class RowSweep {
  private readonly blocks: Int32Array;
  private readonly cells: Int32Array;
  private readonly blockSize: number;
  // Growing outputs, sized for the worst case (one mixed cell and one entry per incidence).
  private readonly cellFloor: Int32Array;
  private readonly cellEntryStart: Int32Array;
  private readonly entryRegion: Int32Array;
  private readonly entryParity: Uint8Array;
  private readonly entryEdgeStart: Int32Array;
  private readonly entryEdges: Int32Array;
  private readonly entrySpecialStart: Int32Array;
  private readonly specialLatitudes: Float64Array;
  private mixedCellCount = 0;
  private entryCount = 0;
  private entryEdgeCount = 0;
  private specialCount = 0;
  // Sweep state along one row.
  private readonly polygonParity: Uint8Array;
  private readonly regionCount: Int32Array;
  private readonly incidenceKeys: Float64Array;
  private readonly flipKeys: Float64Array;

  constructor(
    private readonly flat: FlatRegions,
    private readonly layout: GridLayout,
    private readonly extents: EdgeCellExtents,
    private readonly buckets: RowBuckets,
    private readonly blockNumbers: Int32Array,
    private readonly regionTotal: number,
  ) {
    this.blockSize = 1 << layout.blockShift;
    let mixedBlockCount = 0;
    for (const n of blockNumbers) if (n >= 0) mixedBlockCount++;
    this.blocks = new Int32Array(blockNumbers.length);
    this.cells = new Int32Array(mixedBlockCount * this.blockSize * this.blockSize);
    const most = extents.incidences;
    this.cellFloor = new Int32Array(most);
    this.cellEntryStart = new Int32Array(most + 1);
    this.entryRegion = new Int32Array(most);
    this.entryParity = new Uint8Array(most);
    this.entryEdgeStart = new Int32Array(most + 1);
    this.entryEdges = new Int32Array(most);
    this.entrySpecialStart = new Int32Array(most + 1);
    this.specialLatitudes = new Float64Array(2 * most);
    this.polygonParity = new Uint8Array(flat.polygonCount);
    this.regionCount = new Int32Array(regionTotal);
    this.incidenceKeys = new Float64Array(buckets.maxRowIncidences);
    this.flipKeys = new Float64Array(buckets.start.length > 1 ? maxBucketSize(buckets) : 0);
  }

  run(): GridTables {
    for (let row = 0; row < this.layout.rows; row++) this.sweepRow(row);
    return {
      layout: this.layout,
      blocks: this.blocks,
      cells: this.cells,
      cellFloor: this.cellFloor.slice(0, this.mixedCellCount),
      cellEntryStart: this.cellEntryStart.slice(0, this.mixedCellCount + 1),
      entryRegion: this.entryRegion.slice(0, this.entryCount),
      entryParity: this.entryParity.slice(0, this.entryCount),
      entryEdgeStart: this.entryEdgeStart.slice(0, this.entryCount + 1),
      entryEdges: this.entryEdges.slice(0, this.entryEdgeCount),
      entrySpecialStart: this.entrySpecialStart.slice(0, this.entryCount + 1),
      specialLatitudes: this.specialLatitudes.slice(0, this.specialCount),
      xs: this.flat.xs,
      ys: this.flat.ys,
    };
  }

  // Cursor state of the row being swept (fields rather than closures: this runs for millions of cells).
  private row = 0;
  private incidences: Float64Array = new Float64Array(0);
  private incidenceCount = 0;
  private nextIncidence = 0;
  private flips: Float64Array = new Float64Array(0);
  private flipCount = 0;
  private nextFlip = 0;
  private answer = -1;
  private answerStale = false;

  private sweepRow(row: number): void {
    const { layout, flat, extents } = this;
    const edgeCount = flat.edgeCount;
    const polygonCount = flat.polygonCount;
    const anchor = rowBottom(layout, row);

    // Collect this row's A incidences (column, edge) and parity flips (column, polygon), sorted.
    let incidenceCount = 0;
    let flipCount = 0;
    for (let i = this.buckets.start[row] as number; i < (this.buckets.start[row + 1] as number); i++) {
      const e = this.buckets.edges[i] as number;
      const lastColumn = extents.lastColumn[e] as number;
      for (let j = extents.firstColumn[e] as number; j <= lastColumn; j++)
        this.incidenceKeys[incidenceCount++] = j * edgeCount + e;
      const crossesAnchor = (extents.minY[e] as number) < anchor && (extents.maxY[e] as number) >= anchor;
      if (crossesAnchor && lastColumn + 1 < layout.columns) {
        this.flipKeys[flipCount++] = (lastColumn + 1) * polygonCount + (flat.edgePolygon[e] as number);
      }
    }
    this.row = row;
    this.incidences = this.incidenceKeys.subarray(0, incidenceCount).sort();
    this.incidenceCount = incidenceCount;
    this.nextIncidence = 0;
    this.flips = this.flipKeys.subarray(0, flipCount).sort();
    this.flipCount = flipCount;
    this.nextFlip = 0;
    this.polygonParity.fill(0);
    this.regionCount.fill(0);
    this.answer = -1;
    this.answerStale = false;

    const shift = layout.blockShift;
    const blockRow = row >> shift;
    const rowInBlock = row & (this.blockSize - 1);
    const blockAreaBase = blockRow * layout.blockColumns;
    for (let blockColumn = 0; blockColumn < layout.blockColumns; blockColumn++) {
      const blockNumber = this.blockNumbers[blockAreaBase + blockColumn] as number;
      const firstColumn = blockColumn << shift;
      if (blockNumber < 0) {
        // A block without edges has a single answer (see the header); take it from its first fine cell.
        if (rowInBlock === 0) this.blocks[blockAreaBase + blockColumn] = this.visitColumn(firstColumn);
        continue;
      }
      this.blocks[blockAreaBase + blockColumn] = blockNumber;
      const base = (blockNumber << (2 * shift)) + (rowInBlock << shift);
      for (let c = 0; c < this.blockSize; c++) this.cells[base + c] = this.visitColumn(firstColumn + c);
    }
  }

  /** The code of the cell at (this.row, column); columns must be visited left to right. */
  private visitColumn(column: number): number {
    const { flat, flips, incidences } = this;
    const polygonCount = flat.polygonCount;
    const edgeCount = flat.edgeCount;
    while (
      this.nextFlip < this.flipCount &&
      floor((flips[this.nextFlip] as number) / polygonCount) <= column
    ) {
      const polygon = (flips[this.nextFlip] as number) % polygonCount;
      const parity = (this.polygonParity[polygon]! ^= 1);
      this.regionCount[flat.polygonRegion[polygon] as number]! += parity === 1 ? 1 : -1;
      this.answerStale = true;
      this.nextFlip++;
    }
    while (
      this.nextIncidence < this.incidenceCount &&
      floor((incidences[this.nextIncidence] as number) / edgeCount) < column
    ) {
      this.nextIncidence++;
    }
    const first = this.nextIncidence;
    while (
      this.nextIncidence < this.incidenceCount &&
      floor((incidences[this.nextIncidence] as number) / edgeCount) === column
    ) {
      this.nextIncidence++;
    }
    if (this.nextIncidence > first) return this.mixedCell(column, first, this.nextIncidence);
    if (this.answerStale) {
      this.answer = this.smallestCoveringRegion();
      this.answerStale = false;
    }
    return pureCode(this.answer);
  }

  /** The edge of incidence i of the current row (its key is column · edgeCount + edge). */
  private edgeOf(i: number, column: number): number {
    return (this.incidences[i] as number) - column * this.flat.edgeCount;
  }

  /** Takes the polygons with edges in incidences [from, to) out of (sign 1) or back into (sign -1) the region counts. */
  private withdraw(column: number, from: number, to: number, sign: number): void {
    const { flat } = this;
    let previous = -1;
    for (let i = from; i < to; i++) {
      const polygon = flat.edgePolygon[this.edgeOf(i, column)] as number;
      if (polygon !== previous && this.polygonParity[polygon] === 1)
        this.regionCount[flat.polygonRegion[polygon] as number]! -= sign;
      previous = polygon;
    }
  }

  /** The cell at (this.row, column) has A edges: record its entries, or its pure code if the entries cannot change the answer. */
  private mixedCell(column: number, from: number, to: number): number {
    const { flat, layout, extents, row } = this;

    // The floor: the smallest region with a polygon covering the whole cell (parity 1, no A edge here).
    this.withdraw(column, from, to, 1);
    const floor = this.smallestCoveringRegion();
    this.withdraw(column, from, to, -1);

    const bottom = rowBottom(layout, row);
    const top = rowTop(layout, row);
    const firstEntry = this.entryCount;
    let i = from;
    while (i < to) {
      const polygon = flat.edgePolygon[this.edgeOf(i, column)] as number;
      const region = flat.polygonRegion[polygon] as number;
      let groupEnd = i;
      while (groupEnd < to && flat.edgePolygon[this.edgeOf(groupEnd, column)] === polygon) groupEnd++;
      // A polygon of a region no smaller than the floor cannot change the answer.
      if (floor === -1 || region < floor) {
        const entry = this.entryCount++;
        this.entryRegion[entry] = region;
        this.entryParity[entry] = this.polygonParity[polygon] as number;
        for (let g = i; g < groupEnd; g++) {
          const e = this.edgeOf(g, column);
          const k = flat.edgeStart[e] as number;
          this.entryEdges[this.entryEdgeCount++] = k;
          // Ends of this A edge whose ring neighbour is in L (entirely left of the cell) are specials.
          if ((extents.lastColumn[flat.previousEdge[e] as number] as number) < column)
            this.addSpecial(flat.ys[k] as number, bottom, top);
          if ((extents.lastColumn[flat.nextEdge[e] as number] as number) < column)
            this.addSpecial(flat.ys[k + 1] as number, bottom, top);
        }
        this.entryEdgeStart[entry + 1] = this.entryEdgeCount;
        this.entrySpecialStart[entry + 1] = this.specialCount;
      }
      i = groupEnd;
    }
    if (this.entryCount === firstEntry) return pureCode(floor);
    const cell = this.mixedCellCount++;
    this.cellFloor[cell] = floor;
    this.cellEntryStart[cell + 1] = this.entryCount;
    return cell;
  }

  private addSpecial(latitude: number, bottom: number, top: number): void {
    if (latitude >= bottom && latitude <= top) this.specialLatitudes[this.specialCount++] = latitude;
  }

  private smallestCoveringRegion(): number {
    for (let region = 0; region < this.regionTotal; region++)
      if ((this.regionCount[region] as number) > 0) return region;
    return -1;
  }
}

function maxBucketSize(buckets: RowBuckets): number {
  let most = 0;
  for (let r = 0; r + 1 < buckets.start.length; r++)
    most = max(most, (buckets.start[r + 1] as number) - (buckets.start[r] as number));
  return most;
}
