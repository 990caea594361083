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
