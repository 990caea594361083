/**
 * Where a large JSON array may be cut into parts that DuckDB parses in parallel (its reader uses
 * one thread per file): at a comma between two objects, `}` `,` `{` with optional whitespace.
 *
 * A candidate only, found without parsing from the start: the comma may lie inside a string or a
 * nested value. That is safe, because the landing closes the part before the cut with `]`, and that
 * part is then never valid JSON unless the cut was between top-level elements: inside a string,
 * the string never ends (quotes inside a JSON string are escaped); inside a nested value, one `]`
 * cannot close every open container. DuckDB refuses it, and the landing reads the body whole.
 */

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The index in `bytes` of the first comma that has `}` before it and `{` after it (whitespace
 * aside), or undefined when `bytes` holds none.
 */
export function findCutCandidate(bytes: Uint8Array): number | undefined {
  for (let at = bytes.indexOf(COMMA); at !== -1; at = bytes.indexOf(COMMA, at + 1)) {
    let before = at - 1;
    while (before >= 0 && isSpace(bytes[before] as number)) before -= 1;
    if (before < 0 || bytes[before] !== CLOSE_BRACE) continue;
    let after = at + 1;
    while (after < bytes.length && isSpace(bytes[after] as number)) after += 1;
    if (after < bytes.length && bytes[after] === OPEN_BRACE) return at;
  }
  return undefined;
}

/**
 * Byte ranges of the parts of a body of `size` bytes cut at `cuts` (offsets of commas, ascending):
 * each part is the text between cuts, to be wrapped as `[`…`]` except where the body's own
 * brackets already are (the first part starts with `[`, the last ends with `]`).
 */
export function partRanges(
  size: number,
  cuts: readonly number[],
): { start: number; end: number; open: boolean; close: boolean }[] {
  const bounds = [-1, ...cuts, size];
  return bounds.slice(1).map((end, i) => ({
    start: (bounds[i] as number) + 1,
    end,
    open: i > 0,
    close: i < cuts.length,
  }));
}

/**
 * How many parts a body of `size` bytes is cut into: at most `parts`, each at least
 * `minPartBytes` long; below 2 the body stays whole.
 */
export function partCount(size: number, parts: number, minPartBytes: number): number {
  return Math.max(1, Math.min(parts, Math.floor(size / minPartBytes)));
}

/** The marks near which a body of `size` bytes is cut into `count` parts: size·k/count, k = 1 … count−1. */
export function cutMarks(size: number, count: number): number[] {
  return Array.from({ length: Math.max(0, count - 1) }, (_, i) => Math.floor((size * (i + 1)) / count));
}

/** What `StreamingCut` hands on: bytes of the current part, or the cut that ends it (the comma dropped). */
export type CutPiece = Uint8Array | 'cut';

/**
 * Cuts a body that arrives in chunks where `findCutCandidate` finds the first candidate at or after
 * each mark, as a search of the whole body from the mark would: the bytes before a cut are handed on
 * as soon as it is found, so the parts can be written while the body still arrives. Bytes from a
 * mark are held until its cut is found; once more than `windowBytes` of them are held with no
 * candidate, the search gives up (`gaveUp`) and the rest of the body is handed on uncut. A cut that
 * lies past the next mark moves that mark's search to just after it.
 */
export class StreamingCut {
  private readonly marks: number[];
  /** Offset in the body of the next byte `push` receives, less the bytes held. */
  private at = 0;
  private held: Uint8Array | undefined;
  gaveUp = false;

  constructor(
    marks: readonly number[],
    private readonly windowBytes: number,
  ) {
    this.marks = [...marks];
  }

  push(chunk: Uint8Array): CutPiece[] {
    const out: CutPiece[] = [];
    let rest = this.held === undefined ? chunk : concat(this.held, chunk);
    this.held = undefined;
    while (rest.length > 0) {
      const mark = this.marks[0];
      if (mark === undefined || this.gaveUp || this.at + rest.length <= mark) {
        out.push(rest);
        this.at += rest.length;
        break;
      }
      const before = Math.max(0, mark - this.at);
      if (before > 0) {
        out.push(rest.subarray(0, before));
        this.at += before;
        rest = rest.subarray(before);
      }
      const cut = findCutCandidate(rest);
      if (cut === undefined) {
        if (rest.length > this.windowBytes) this.gaveUp = true;
        else {
          this.held = rest;
          break;
        }
        continue;
      }
      if (cut > 0) out.push(rest.subarray(0, cut));
      out.push('cut');
      this.marks.shift();
      this.at += cut + 1;
      rest = rest.subarray(cut + 1);
    }
    return out;
  }

  /** The bytes still held when the body ends (no cut was found after the last mark). */
  end(): CutPiece[] {
    const held = this.held;
    this.held = undefined;
    return held === undefined ? [] : [held];
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
