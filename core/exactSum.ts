/**
 * Exact floating-point summation (Shewchuk's expansions, the algorithm behind Python's
 * `math.fsum`): a sum is kept as a short list of non-overlapping doubles whose exact total is the
 * true sum of everything added, and is rounded once at the end. The result is the correctly rounded
 * exact sum, so it does not depend on the order of the values or on how they were split into
 * partial sums: an hour computed in 1 bucket or in 64, on one worker or two, gives the same bits.
 *
 * Source: J. R. Shewchuk, "Adaptive Precision Floating-Point Arithmetic and Fast Robust Geometric
 * Predicates" (1997); rounding step as in CPython's `math_fsum` (Modules/mathmodule.c).
 * Inputs must be finite (temperatures are validated before they are summed).
 */

/** An exact sum in progress: non-overlapping doubles, smallest magnitude first. */
export type Expansion = number[];

/** Adds `value` to `partials` in place, exactly. */
export function addExact(partials: Expansion, value: number): void {
  let x = value;
  let kept = 0;
  for (let j = 0; j < partials.length; j += 1) {
    let y = partials[j] as number;
    if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) {
      partials[kept] = lo;
      kept += 1;
    }
    x = hi;
  }
  partials.length = kept;
  partials.push(x);
}

/** Adds every component of `other` to `into`, exactly: merging two partial sums. */
export function mergeExact(into: Expansion, other: readonly number[]): void {
  for (const value of other) addExact(into, value);
}

/** The exact sum, correctly rounded to the nearest double (ties to even). */
export function roundExact(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  n -= 1;
  let hi = partials[n] as number;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    n -= 1;
    const y = partials[n] as number;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Half-way case: the components below decide which way the rounding of hi + lo goes.
  const below = n > 0 ? (partials[n - 1] as number) : 0;
  if ((lo < 0 && below < 0) || (lo > 0 && below > 0)) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
