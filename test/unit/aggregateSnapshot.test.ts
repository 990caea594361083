import { supersedes } from '../../core/aggregateSnapshot';

describe('which backup an hour’s aggregates are restored from', () => {
  const at = (iso: string, own: boolean) => ({ createdAt: iso, own });

  test('the first snapshot seen is taken', () => {
    expect(supersedes(at('2026-12-01T10:05:00Z', false), undefined)).toBe(true);
  });

  test('a later backup replaces an earlier one, whichever hour it belongs to', () => {
    const own = at('2026-12-01T10:05:00Z', true);
    const correcting = at('2026-12-01T11:05:00.000Z', false);
    expect(supersedes(correcting, own)).toBe(true);
    expect(supersedes(own, correcting)).toBe(false);
    // A rerun of the hour itself, after the import that corrected it, is newer again.
    expect(supersedes(at('2026-12-01T12:00:00Z', true), correcting)).toBe(true);
  });

  test('at the same time, the hour’s own backup holds', () => {
    expect(supersedes(at('2026-12-01T10:05:00Z', true), at('2026-12-01T10:05:00.000Z', false))).toBe(true);
    expect(supersedes(at('2026-12-01T10:05:00Z', false), at('2026-12-01T10:05:00Z', true))).toBe(false);
    expect(supersedes(at('2026-12-01T10:05:00Z', false), at('2026-12-01T10:05:00Z', false))).toBe(false);
  });
});
