/**
 * The grid index's queries. A point outside the regions' bbox is in no region (exact comparisons,
 * as turf's bbox check). Inside, one read of the block table answers most points; a point in a
 * mixed block reads its fine cell; only a point in a fine cell that edges cross runs turf's edge
 * arithmetic, on that cell's few edges (see gridBuild.ts for why that is the same answer).
 */
import { edgeStepAt, ON_BOUNDARY } from './edgeTest';
import type { GridTables } from './gridBuild';
import type { BBox } from './types';
import { NO_REGION } from './types';

/** The one point `locate` hands to `assign` (single-threaded: never in use twice at once). */
const ONE_LON = new Float64Array(1);
const ONE_LAT = new Float64Array(1);
const ONE_REGION = new Int16Array(1);

export class GridLocator {
  private readonly west: number;
  private readonly south: number;
  private readonly east: number;
  private readonly north: number;
  private readonly columnsPerDegree: number;
  private readonly rowsPerDegree: number;
  private readonly lastColumn: number;
  private readonly lastRow: number;
  private readonly shift: number;
  private readonly mask: number;
  private readonly blockColumns: number;

  constructor(
    readonly tables: GridTables,
    bbox: BBox,
  ) {
    const { layout } = tables;
    this.west = bbox.west;
    this.south = bbox.south;
    this.east = bbox.east;
    this.north = bbox.north;
    this.columnsPerDegree = layout.columnsPerDegree;
    this.rowsPerDegree = layout.rowsPerDegree;
    this.lastColumn = layout.columns - 1;
    this.lastRow = layout.rows - 1;
    this.shift = layout.blockShift;
    this.mask = (1 << layout.blockShift) - 1;
    this.blockColumns = layout.blockColumns;
  }

  /** One point's region: `assign` over a point, so that the lookup's steps have one home. */
  locate(lon: number, lat: number): number {
    ONE_LON[0] = lon;
    ONE_LAT[0] = lat;
    this.assign(ONE_LON, ONE_LAT, ONE_REGION);
    return ONE_REGION[0] as number;
  }

  assign(lon: Float64Array, lat: Float64Array, out: Int16Array): void {
    // The hot loop, with every field read once into a local.
    const {
      west,
      south,
      east,
      north,
      columnsPerDegree,
      rowsPerDegree,
      lastColumn,
      lastRow,
      shift,
      mask,
      blockColumns,
    } = this;
    const { blocks, cells } = this.tables;
    const doubleShift = 2 * shift;
    for (let i = 0; i < lon.length; i++) {
      const x = lon[i] as number;
      const y = lat[i] as number;
      // Written as a negation so that NaN lands in no region.
      if (!(x >= west && x <= east && y >= south && y <= north)) {
        out[i] = NO_REGION;
        continue;
      }
      // Truncation is floor here (both differences are ≥ 0); the east and north edges clamp to the last cell.
      let column = ((x - west) * columnsPerDegree) | 0;
      if (column > lastColumn) column = lastColumn;
      let row = ((y - south) * rowsPerDegree) | 0;
      if (row > lastRow) row = lastRow;
      const block = blocks[(row >> shift) * blockColumns + (column >> shift)] as number;
      if (block < 0) {
        out[i] = -block - 2;
        continue;
      }
      const cell = cells[(block << doubleShift) + ((row & mask) << shift) + (column & mask)] as number;
      out[i] = cell < 0 ? -cell - 2 : this.locateInMixedCell(cell, x, y);
    }
  }

  /** Entries are by region ascending and all below the floor: the first that contains the point is the answer. */
  locateInMixedCell(cell: number, lon: number, lat: number): number {
    const {
      cellEntryStart,
      entryRegion,
      entryParity,
      entryEdgeStart,
      entryEdges,
      entrySpecialStart,
      specialLatitudes,
      xs,
      ys,
    } = this.tables;
    const lastEntry = cellEntryStart[cell + 1] as number;
    for (let entry = cellEntryStart[cell] as number; entry < lastEntry; entry++) {
      let parity = entryParity[entry] as number;
      const lastSpecial = entrySpecialStart[entry + 1] as number;
      for (let s = entrySpecialStart[entry] as number; s < lastSpecial; s++) {
        if ((specialLatitudes[s] as number) <= lat) parity ^= 1;
      }
      let onBoundary = false;
      const lastEdge = entryEdgeStart[entry + 1] as number;
      for (let i = entryEdgeStart[entry] as number; i < lastEdge; i++) {
        const step = edgeStepAt(xs, ys, entryEdges[i] as number, lon, lat);
        if (step === ON_BOUNDARY) {
          onBoundary = true;
          break;
        }
        parity ^= step;
      }
      if (onBoundary || parity === 1) return entryRegion[entry] as number;
    }
    return this.tables.cellFloor[cell] as number;
  }
}
