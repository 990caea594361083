/** What a fetch does for an hour (core/fetchDecision.ts), every branch, with hand-picked clocks. */
import { decideFetch, type FetchSituation } from '../../core/fetchDecision';

const HOUR = new Date('2026-11-27T14:00:00Z');
const base: FetchSituation = {
  hour: HOUR,
  now: new Date('2026-11-27T14:20:00Z'),
  runId: 'run-1',
  refetch: false,
  landedByOtherRuns: 0,
  fetchMaxLagHours: 2,
};

describe('decideFetch', () => {
  test('an hour not begun is refused, even with batches landed', () => {
    const decision = decideFetch({ ...base, hour: new Date('2026-11-27T15:00:00Z'), landedByOtherRuns: 1 });
    expect(decision).toEqual({ kind: 'refuse', reason: expect.stringContaining('has not begun') as string });
  });

  test('a rerun of a landed hour reuses it, however old', () => {
    expect(decideFetch({ ...base, landedByOtherRuns: 2, now: new Date('2026-12-27T00:00:00Z') })).toEqual({
      kind: 'reuse',
    });
  });

  test('a recent hour with nothing landed is fetched under the hour key', () => {
    expect(decideFetch(base)).toEqual({ kind: 'fetch', pullKey: 'pull:2026-11-27T14:00:00Z' });
  });

  test('the last hour of the lag window is still fetched; the one after is not', () => {
    expect(decideFetch({ ...base, now: new Date('2026-11-27T17:00:00Z') }).kind).toBe('fetch');
    expect(decideFetch({ ...base, now: new Date('2026-11-27T17:00:01Z') })).toEqual({
      kind: 'not-fetched',
      reason: expect.stringContaining('FETCH_MAX_LAG_HOURS=2') as string,
    });
  });

  test('a refetch fetches under a key of its run and retires the pull batches, even when landed', () => {
    expect(decideFetch({ ...base, refetch: true, landedByOtherRuns: 1 })).toEqual({
      kind: 'fetch',
      pullKey: 'pull:2026-11-27T14:00:00Z#refetch:run-1',
      supersedePrefix: 'pull:',
    });
  });

  test('a refetch of an hour too old is refused', () => {
    const decision = decideFetch({ ...base, refetch: true, now: new Date('2026-11-28T00:00:00Z') });
    expect(decision).toEqual({
      kind: 'refuse',
      reason: expect.stringMatching(/^refusing to refetch: .*10 hours old/) as string,
    });
  });
});
