/**
 * The polygon test's arithmetic for one edge, reproduced operation for operation so that every
 * index in this module gives exactly turf's answer, including on and within rounding distance of
 * an edge. turf's booleanPointInPolygon delegates to point-in-polygon-hao, which for the edge from
 * (x1, y1) to (x2, y2) and the point (px, py):
 *   - rounds the differences u = x - px and v = y - py (so its "on the edge" is not the exact
 *     geometric one: we must round the same way, not test exactly);
 *   - reports the boundary for a horizontal edge at py spanning px, or when the sign of
 *     u2·v1 − u1·v2, evaluated exactly from the rounded differences, is zero;
 *   - counts a crossing of the ray going left from the point with a half-open rule on v.
 * Inside = boundary reported for any edge of the polygon, or an odd crossing count.
 */

// Bound once: in a sandboxed global scope (jest's vm context) every `Math.x` lookup is ~100x slower.
const { abs, sign } = Math;

export const NO_CROSSING = 0;
export const CROSSING = 1;
export const ON_BOUNDARY = 2;
export type EdgeStep = typeof NO_CROSSING | typeof CROSSING | typeof ON_BOUNDARY;

export function edgeStep(x1: number, y1: number, x2: number, y2: number, px: number, py: number): EdgeStep {
  const v1 = y1 - py;
  const v2 = y2 - py;
  const u1 = x1 - px;
  const u2 = x2 - px;
  if (v1 === 0 && v2 === 0) {
    return (u2 <= 0 && u1 >= 0) || (u1 <= 0 && u2 >= 0) ? ON_BOUNDARY : NO_CROSSING;
  }
  if ((v2 >= 0 && v1 <= 0) || (v2 <= 0 && v1 >= 0)) {
    const f = crossSign(u2, v1, u1, v2);
    if (f === 0) return ON_BOUNDARY;
    if ((f > 0 && v2 > 0 && v1 <= 0) || (f < 0 && v2 <= 0 && v1 > 0)) return CROSSING;
  }
  return NO_CROSSING;
}

/** Half the distance between 1 and the next double. */
const EPSILON = 2 ** -53;
/** Shewchuk's bound for trusting a floating a·b − c·d whose products have the same sign. */
const ERROR_BOUND = (3 + 16 * EPSILON) * EPSILON;

/** `edgeStep` for the edge from vertex `k` to vertex `k + 1` of flat coordinates (`xs`, `ys`). */
export function edgeStepAt(xs: Float64Array, ys: Float64Array, k: number, px: number, py: number): EdgeStep {
  return edgeStep(xs[k] as number, ys[k] as number, xs[k + 1] as number, ys[k + 1] as number, px, py);
}

/**
 * The sign (-1, 0, 1) of a·b − c·d, exact. Follows the adaptive predicate turf relies on in its
 * shortcuts: when a product is zero or the products differ in sign, the floating difference already
 * has the right sign (and any underflow is then treated the same way); when it is far from zero
 * relative to its rounding error it is trusted; otherwise the exact value is computed.
 */
export function crossSign(a: number, b: number, c: number, d: number): number {
  const left = a * b;
  const right = c * d;
  const difference = left - right;
  if (left === 0 || right === 0 || left > 0 !== right > 0) return sign(difference);
  if (abs(difference) >= ERROR_BOUND * abs(left + right)) return sign(difference);
  return exactCrossSign(a, b, c, d, left, right);
}

/** 2^27 + 1: splits a double into two halves whose products are exact (Dekker). */
const SPLITTER = 134217729;

/** The rounding error of the product `p = a * b`, exactly: a·b = p + error (Dekker's two-product). */
function productError(a: number, b: number, p: number): number {
  let scaled = SPLITTER * a;
  const aHigh = scaled - (scaled - a);
  const aLow = a - aHigh;
  scaled = SPLITTER * b;
  const bHigh = scaled - (scaled - b);
  const bLow = b - bHigh;
  return aLow * bLow - (p - aHigh * bHigh - aLow * bHigh - aHigh * bLow);
}

/** Scratch for the exact sum: at most four components; module-level so no call allocates. */
const expansion = new Float64Array(4);

/**
 * sign(a·b − c·d) = sign(left + leftError − right − rightError), summed exactly as an expansion
 * (Shewchuk's Grow-Expansion: each two-sum keeps its rounding error as a further component, and
 * the components stay non-overlapping and increasing in magnitude), so the sign of the sum is the
 * sign of the largest non-zero component.
 */
function exactCrossSign(a: number, b: number, c: number, d: number, left: number, right: number): number {
  let length = growExpansion(0, productError(a, b, left));
  length = growExpansion(length, -productError(c, d, right));
  length = growExpansion(length, left);
  length = growExpansion(length, -right);
  for (let i = length - 1; i >= 0; i--) {
    const component = expansion[i] as number;
    if (component !== 0) return sign(component);
  }
  return 0;
}

/** Adds `value` to the expansion held in `expansion[0..length)`; returns the new length. */
function growExpansion(length: number, value: number): number {
  let carry = value;
  for (let i = 0; i < length; i++) {
    const component = expansion[i] as number;
    const sum = carry + component;
    expansion[i] = twoSumError(carry, component, sum);
    carry = sum;
  }
  expansion[length] = carry;
  return length + 1;
}

/** The rounding error of `s = x + y`, exactly: x + y = s + error (Knuth's two-sum). */
function twoSumError(x: number, y: number, s: number): number {
  const yVirtual = s - x;
  const xVirtual = s - yVirtual;
  return x - xVirtual + (y - yVirtual);
}
