/**
 * Corrections as deltas (core/bucketDelta.ts): a stored bucket result brought up to date by a chain
 * of deltas equals, bit for bit, the result computed from the readings that count afterwards; a
 * chain that does not reach the bucket's files (a gap, two deltas on the same files, other rules)
 * gives nothing, so the bucket is recomputed. Readings are random: temperatures with many digits,
 * readings moving between regions and out of every region, labels of each class.
 */
import { computeBucket, type BucketResult } from '../../core/bucket';
import {
  applyDeltas,
  bucketChange,
  filesIdentity,
  noChange,
  withFiles,
  type BucketDelta,
} from '../../core/bucketDelta';
import { aggregatesOf } from '../../core/aggregate';

const REGIONS = ['Bretagne', 'Normandie', 'Occitanie'];

interface Reading {
  region: number;
  temperature: number;
  label: number;
}

function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

function resultOf(readings: readonly Reading[]): BucketResult {
  return computeBucket(
    {
      regionNumbers: Int16Array.from(readings, (r) => r.region),
      temperatures: Float64Array.from(readings, (r) => r.temperature),
      labels: Uint8Array.from(readings, (r) => r.label),
    },
    REGIONS,
  );
}

const next = random(7);
const reading = (): Reading => ({
  region: Math.floor(next() * (REGIONS.length + 1)) - 1,
  temperature: (next() - 0.3) * 40 + next() * 1e-9,
  label: Math.floor(next() * 3),
});

const file = (n: number) => ({ key: `landing/bucket=1/f${n}.parquet`, sha256: `${n}`.padStart(64, '0') });
const RULES = '[4,"latest","abc"]';

/** Three batches correcting some readings each: the deltas chained, the stored result, the truth. */
function history() {
  let counting = Array.from({ length: 400 }, reading);
  const files = [file(0)];
  const stored = { result: resultOf(counting), files: filesIdentity(files), rules: RULES };
  const deltas: BucketDelta[] = [];
  for (let batch = 1; batch <= 3; batch += 1) {
    const changed = Array.from({ length: 30 }, () => Math.floor(next() * counting.length));
    const unique = [...new Set(changed)];
    const after = counting.map((r, i) => (unique.includes(i) ? reading() : r));
    const baseFiles = filesIdentity(files);
    files.push(file(batch));
    deltas.push({
      rules: RULES,
      baseFiles,
      files: withFiles(baseFiles, [file(batch)]),
      change: bucketChange(resultOf(unique.map((i) => counting[i]!)), resultOf(unique.map((i) => after[i]!))),
    });
    counting = after;
  }
  return { stored, deltas, target: { files: filesIdentity(files), rules: RULES }, truth: resultOf(counting) };
}

test('a chain of deltas gives the bits of the result computed from what counts afterwards', () => {
  const { stored, deltas, target, truth } = history();
  const updated = applyDeltas(stored, [...deltas].reverse(), target);
  expect(updated?.applied).toHaveLength(3);
  expect(aggregatesOf(updated!.result.partials)).toEqual(aggregatesOf(truth.partials));
  expect(updated!.result.stats).toEqual({ ...truth.stats, outsideInsideIfSwapped: 0 });
  expect(aggregatesOf(updated!.result.partials)).not.toEqual(aggregatesOf(stored.result.partials));
});

test('a temperature corrected in place moves its region sum with no change of count', () => {
  const before = resultOf([{ region: 0, temperature: 10, label: 1 }]);
  const after = resultOf([{ region: 0, temperature: 13.5, label: 1 }]);
  const stored = {
    result: resultOf([
      { region: 0, temperature: 10, label: 1 },
      { region: 0, temperature: 20, label: 1 },
    ]),
    files: 'a',
    rules: RULES,
  };
  const updated = applyDeltas(
    stored,
    [{ rules: RULES, baseFiles: 'a', files: 'b', change: bucketChange(before, after) }],
    { files: 'b', rules: RULES },
  );
  expect(aggregatesOf(updated!.result.partials)).toEqual([
    { region: 'Bretagne', temperature: 16.75, numberOfPoints: 2 },
  ]);
});

test('a gap in the chain, two deltas on the same files, or other rules: nothing (the bucket is recomputed)', () => {
  const { stored, deltas, target } = history();
  expect(applyDeltas(stored, [deltas[0]!, deltas[2]!], target)).toBeUndefined();
  const beside = { ...deltas[1]!, files: withFiles(deltas[1]!.baseFiles, [file(99)]) };
  expect(applyDeltas(stored, [...deltas, beside], target)).toBeUndefined();
  expect(applyDeltas(stored, deltas, { ...target, rules: '[4,"first","abc"]' })).toBeUndefined();
  expect(applyDeltas({ ...stored, rules: '[8,"latest","abc"]' }, deltas, target)).toBeUndefined();
});

test('the stored result on the current files already: as it is, nothing applied', () => {
  const { stored } = history();
  const same = applyDeltas(stored, [], { files: stored.files, rules: RULES });
  expect(same?.applied).toEqual([]);
  expect(aggregatesOf(same!.result.partials)).toEqual(aggregatesOf(stored.result.partials));
  expect(noChange().stats.counted).toBe(0);
});

test('the files identity is the same in any order and changes with any file', () => {
  const files = [file(1), file(2), file(3)];
  expect(filesIdentity(files)).toBe(filesIdentity([...files].reverse()));
  expect(withFiles(filesIdentity(files.slice(0, 1)), files.slice(1))).toBe(filesIdentity(files));
  expect(filesIdentity([file(1), file(2), { ...file(3), sha256: 'f'.repeat(64) }])).not.toBe(
    filesIdentity(files),
  );
  expect(filesIdentity(files).endsWith('/3')).toBe(true);
});
