/**
 * A bucket's result brought up to date by deltas instead of recomputed (docs/scaling.md §3.3,
 * "Corrections as deltas"). A correction of an earlier hour changes what counts in its bucket by
 * one reading's contribution out (the version it supersedes) and one in (the new version). Sums are
 * exact (core/exactSum.ts) and statistics are counts, so adding those contributions to the stored
 * result gives what recomputing the bucket from its files gives: the same means, counts and stats.
 *
 * A delta is valid only on the files it was computed against. Each one names the bucket's files
 * before it (`baseFiles`) and after it (`files`, with the batch's own): a chain of deltas from the
 * stored result's files to the bucket's current ones is applied; anything else (a delta made beside
 * another batch's, a file without a delta, a refetch that retired files) is recomputed.
 */
import { createHash } from 'node:crypto';
import { mergePartials, type RegionPartials } from './aggregate';
import { computeBucket, type BucketResult } from './bucket';
import type { RegionIndex } from './geo';
import { countInsideIfSwapped } from './swappedCoordinates';
import type { CorrectionStrategy } from './policies';
import { addStats, emptyStats, type HourStats } from './hourStats';

/** What a bucket's stored result was computed from: its files (by content) and the rules applied. */
export interface BucketInputs {
  /** The bucket's live files, each as its object key and sha256. */
  files: readonly { key: string; sha256: string }[];
  /** The hour's bucket count (bucket b of every source: the largest count). */
  bucketCount: number;
  strategy: CorrectionStrategy;
  regionsHash: string;
}

/** The hash stored with a bucket's result (hour_partials.inputs_hash); files in key order. */
export function bucketInputsHash(inputs: BucketInputs): string {
  const files = [...inputs.files]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((f) => [f.key, f.sha256]);
  return createHash('sha256')
    .update(
      JSON.stringify({
        files,
        bucketCount: inputs.bucketCount,
        strategy: inputs.strategy,
        regionsHash: inputs.regionsHash,
      }),
    )
    .digest('hex');
}

/**
 * A set of files as one text, `<fingerprint>/<count>`: the sum, modulo 2⁶⁴, of each file's 64-bit
 * fingerprint (the first 8 bytes of md5(key ‖ sha256), signed), so it is the same in any order and
 * PostgreSQL computes it over the table in one aggregate (adapters/db/bucketDeltas.ts FILE_FINGERPRINT_SQL).
 */
export function filesIdentity(files: readonly { key: string; sha256: string }[]): string {
  let sum = 0n;
  for (const file of files) sum += fileFingerprint(file.key, file.sha256);
  return identityOf(sum, files.length);
}

/** One file's fingerprint, as PostgreSQL's `('x' || left(md5(key || sha256), 16))::bit(64)::bigint`. */
export function fileFingerprint(key: string, sha256: string): bigint {
  const hex = createHash('md5').update(`${key}${sha256}`, 'utf8').digest('hex').slice(0, 16);
  return BigInt.asIntN(64, BigInt(`0x${hex}`));
}

/** `<sum mod 2⁶⁴>/<count>` from a sum of fingerprints (any size, any sign) and a count. */
export function identityOf(sum: bigint, count: number): string {
  return `${BigInt.asUintN(64, sum)}/${count}`;
}

/** The files' identity with more files added (a batch's, in the bucket). */
export function withFiles(identity: string, files: readonly { key: string; sha256: string }[]): string {
  const [sum, count] = identity.split('/');
  let total = BigInt(sum ?? '0');
  for (const file of files) total += fileFingerprint(file.key, file.sha256);
  return identityOf(total, Number(count ?? 0) + files.length);
}

/** What else a bucket's result depends on: the hour's bucket count, the strategy, the polygons. */
export function bucketRules(inputs: Omit<BucketInputs, 'files'>): string {
  return JSON.stringify([inputs.bucketCount, inputs.strategy, inputs.regionsHash]);
}

/**
 * One batch's change to one bucket, made under `rules`, from the bucket's files `baseFiles` to
 * `files` (with the batch's own): filesIdentity values.
 */
export interface BucketDelta {
  rules: string;
  baseFiles: string;
  files: string;
  change: BucketResult;
}

/**
 * `after` − `before`: the change from the readings of `before` counting to those of `after`. A
 * region's change may count no reading and still move its sum (a temperature corrected in place).
 */
export function bucketChange(before: BucketResult, after: BucketResult): BucketResult {
  return sumOf([after, negated(before)]);
}

/**
 * The result on the bucket's current files (`target`, under `rules`) from a stored one (computed on
 * `stored.files` under `stored.rules`) and the deltas that chain from it to `target`; undefined
 * when none does (the bucket is recomputed instead).
 */
export function applyDeltas<D extends BucketDelta>(
  stored: { result: BucketResult; files: string; rules: string },
  deltas: readonly D[],
  target: { files: string; rules: string },
): { result: BucketResult; applied: D[] } | undefined {
  if (stored.rules !== target.rules) return undefined;
  const byBase = new Map<string, D[]>();
  for (const delta of deltas)
    if (delta.rules === target.rules)
      byBase.set(delta.baseFiles, [...(byBase.get(delta.baseFiles) ?? []), delta]);
  const applied: D[] = [];
  let at = stored.files;
  while (at !== target.files) {
    const next = byBase.get(at);
    // None, or two made on the same files (batches landed side by side): not one history.
    if (next?.length !== 1 || applied.length >= deltas.length) return undefined;
    applied.push(next[0]!);
    at = next[0]!.files;
  }
  return { result: addResults([stored.result, ...applied.map((d) => d.change)]), applied };
}

/**
 * A stored result with changes added: regions no reading counts in any more are left out, as a
 * recompute has them (their sums are exactly zero then).
 */
export function addResults(results: readonly BucketResult[]): BucketResult {
  const { partials, stats } = sumOf(results);
  for (const [region, points] of Object.entries(stats.pointsPerRegion))
    if (points === 0) delete stats.pointsPerRegion[region];
  for (const [region, partial] of Object.entries(partials)) if (partial.count === 0) delete partials[region];
  return { partials, stats };
}

/** The change of a batch that changes nothing in the bucket (a later version under `first`). */
export function noChange(): BucketResult {
  return { partials: {}, stats: emptyStats() };
}

function sumOf(results: readonly BucketResult[]): BucketResult {
  const stats = emptyStats();
  for (const result of results) addStats(stats, result.stats);
  return { partials: mergePartials(results.map((r) => r.partials)), stats };
}

function negated(result: BucketResult): BucketResult {
  const partials: RegionPartials = {};
  for (const [region, { sum, count }] of Object.entries(result.partials))
    partials[region] = { sum: sum.map((x) => -x), count: -count };
  const s = result.stats;
  const stats: HourStats = {
    counted: -s.counted,
    outside: -s.outside,
    countryMismatches: {
      franceOutside: -s.countryMismatches.franceOutside,
      foreignInside: -s.countryMismatches.foreignInside,
    },
    pointsPerRegion: Object.fromEntries(Object.entries(s.pointsPerRegion).map(([r, n]) => [r, -n])),
    outsideInsideIfSwapped: -(s.outsideInsideIfSwapped ?? 0),
  };
  return { partials, stats };
}

/** Counted readings as columns: what a bucket's result is computed from (adapters/analytics/bucket.ts). */
export interface PlacedColumns {
  lat: Float64Array;
  lon: Float64Array;
  temperatures: Float64Array;
  /** Label class per reading (core/hourStats.ts `labelClass`). */
  labels: Uint8Array;
}

/**
 * The result of readings: each placed in its region by the index, summed exactly, counted, and the
 * outside ones tested with latitude and longitude swapped. The one computation of a bucket's
 * result, for its files (activities/compute.ts) and for a correction's two versions.
 */
export function resultOfReadings(index: RegionIndex, columns: PlacedColumns): BucketResult {
  const regionNumbers = new Int16Array(columns.lat.length);
  index.assign(columns.lon, columns.lat, regionNumbers);
  const result = computeBucket(
    { regionNumbers, temperatures: columns.temperatures, labels: columns.labels },
    index.regions.map((region) => region.name),
  );
  result.stats.outsideInsideIfSwapped = countInsideIfSwapped(index, columns.lon, columns.lat, regionNumbers);
  return result;
}
