/**
 * Landing plan: validation split, duplicates within a batch and against earlier imports, new
 * versions (corrections) keeping the hour of the first version, and the hours to re-aggregate.
 */
import {
  countReasons,
  planLanding,
  validateAll,
  type KnownReading,
  type LandingPlan,
  type PlannedRejection,
} from '../../core/landingPlan';
import { DEFAULT_LIMITS } from '../../core/reading';

const HOUR_MS = 3_600_000;
const H = new Date('2026-11-27T14:00:00Z');
const hoursBefore = (n: number) => new Date(H.getTime() - n * HOUR_MS);

function raw(id: string, temperature = 10, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    timestamp: '2026-11-27 13:10:00',
    lat: 47.2,
    lon: -1.55,
    temperature,
    country: 'FR',
    ...extra,
  };
}

function plan(
  records: unknown[],
  known: ReadonlyMap<string, KnownReading> = new Map(),
  hour = H,
): LandingPlan {
  const { valid, rejections } = validateAll(records, DEFAULT_LIMITS);
  return planLanding(valid, rejections, known, hour);
}

/** What an earlier import leaves behind: every id it stored, with its hashes and hour. */
function knownFrom(...earlier: { hour: Date; records: unknown[] }[]): Map<string, KnownReading> {
  const known = new Map<string, KnownReading>();
  for (const { hour, records } of earlier) {
    for (const planned of plan(records, known, hour).readings) {
      const belongsToHour = known.get(planned.reading.id)?.belongsToHour ?? hour;
      known.set(planned.reading.id, { latestContentHash: planned.contentHash, belongsToHour });
    }
  }
  return known;
}

const times = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('validateAll', () => {
  test('splits valid records from rejections, keeping order, raw records and every reason', () => {
    const good1 = raw('a');
    const bad1 = { id: '', timestamp: 'never', lat: 1, lon: 2, temperature: 3 };
    const good2 = raw('b', -5);
    const bad2 = 'not even an object';
    const { valid, rejections } = validateAll([good1, bad1, good2, bad2], DEFAULT_LIMITS);
    expect(valid.map((v) => v.raw)).toEqual([good1, good2]);
    expect(valid[0]?.raw).toBe(good1);
    expect(valid.map((v) => v.reading.id)).toEqual(['a', 'b']);
    expect(valid[1]?.reading.temperature).toBe(-5);
    expect(rejections.map((r) => r.raw)).toEqual([bad1, bad2]);
    expect(rejections[0]?.reasons.map((r) => r.code).sort()).toEqual(['id_invalid', 'timestamp_invalid']);
    expect(rejections[1]?.reasons.map((r) => r.code)).toEqual(['not_an_object']);
  });

  test('applies the limits it is given', () => {
    const limits = { ...DEFAULT_LIMITS, temperatureMin: 0, temperatureMax: 20 };
    const { valid, rejections } = validateAll([raw('a', 20), raw('b', 20.5), raw('c', -0.5)], limits);
    expect(valid.map((v) => v.reading.id)).toEqual(['a']);
    expect(rejections.flatMap((r) => r.reasons.map((x) => x.code))).toEqual([
      'temperature_implausible',
      'temperature_implausible',
    ]);
  });

  test('an empty batch gives nothing', () => {
    expect(validateAll([], DEFAULT_LIMITS)).toEqual({ valid: [], rejections: [] });
  });
});

describe('countReasons', () => {
  test('counts each code over all rejections, several codes per record included', () => {
    const { rejections } = validateAll(
      [
        { id: '', timestamp: 'x', lat: 1, lon: 2, temperature: 3 }, // id, timestamp
        { id: 'a', timestamp: 'x', lat: 100, lon: 2, temperature: 300 }, // timestamp, lat, implausible
        42, // not_an_object
        raw('b', 99), // implausible
        raw('c'), // valid
      ],
      DEFAULT_LIMITS,
    );
    expect(countReasons(rejections)).toEqual({
      id_invalid: 1,
      timestamp_invalid: 2,
      lat_invalid: 1,
      temperature_implausible: 2,
      not_an_object: 1,
    });
  });

  test('no rejection, no count', () => {
    expect(countReasons([])).toEqual({});
    const none: PlannedRejection[] = [{ raw: {}, reasons: [] }];
    expect(countReasons(none)).toEqual({});
  });
});

describe('planLanding', () => {
  test('a fresh batch: every reading is new and belongs to this hour', () => {
    const records = [raw('a', 1), raw('b', 2), raw('c', 3)];
    const result = plan(records);
    expect(result.readings.map((r) => r.reading.id)).toEqual(['a', 'b', 'c']);
    expect(result.readings.every((r) => !r.isCorrection)).toBe(true);
    expect(result.readings.every((r) => r.belongsToHour.getTime() === H.getTime())).toBe(true);
    expect(result.readings.map((r) => r.raw)).toEqual(records);
    expect(result.duplicates).toBe(0);
    expect(result.correctedHours).toEqual([]);
    expect(new Set(result.readings.map((r) => r.contentHash)).size).toBe(3);
  });

  test('rejections pass through untouched', () => {
    const { valid, rejections } = validateAll([raw('a'), 'junk'], DEFAULT_LIMITS);
    const result = planLanding(valid, rejections, new Map(), H);
    expect(result.rejections).toBe(rejections);
  });

  describe('within one batch', () => {
    test('the same id with the same content is counted once; the rest are duplicates', () => {
      const result = plan([raw('a', 7), raw('a', 7), raw('b', 1), raw('a', 7)]);
      expect(result.readings.map((r) => r.reading.id)).toEqual(['a', 'b']);
      expect(result.duplicates).toBe(2);
      expect(result.readings[0]?.isCorrection).toBe(false);
      expect(result.correctedHours).toEqual([]);
    });

    test('the same reading written in both timestamp formats is the same content', () => {
      const result = plan([
        raw('a', 7, { timestamp: '2026-11-27 13:10:00' }),
        raw('a', 7, { timestamp: '2026-11-27T15:10:00+02:00' }),
      ]);
      expect(result.readings).toHaveLength(1);
      expect(result.duplicates).toBe(1);
    });

    test('the same id with new content is a correction in this same hour, not a corrected hour', () => {
      const result = plan([raw('a', 7), raw('a', 8)]);
      expect(result.readings.map((r) => [r.reading.temperature, r.isCorrection])).toEqual([
        [7, false],
        [8, true],
      ]);
      expect(result.readings[1]?.belongsToHour.getTime()).toBe(H.getTime());
      expect(result.readings[0]?.contentHash).not.toBe(result.readings[1]?.contentHash);
      expect(result.duplicates).toBe(0);
      expect(result.correctedHours).toEqual([]);
    });

    test.each([
      ['temperature', { temperature: 7.25 }],
      ['timestamp', { timestamp: '2026-11-27 13:10:01' }],
      ['latitude', { lat: 47.21 }],
      ['longitude', { lon: -1.56 }],
      ['country', { country: 'France' }],
      ['country removed', { country: null }],
    ])('a change of %s makes a new version', (_label, change) => {
      const result = plan([raw('a', 7), raw('a', 7, change)]);
      expect(result.readings).toHaveLength(2);
      expect(result.readings[1]?.isCorrection).toBe(true);
    });

    test('a repeat of the new version after a correction is a duplicate', () => {
      const result = plan([raw('a', 7), raw('a', 8), raw('a', 8)]);
      expect(result.readings).toHaveLength(2);
      expect(result.duplicates).toBe(1);
    });
  });

  describe('against earlier imports', () => {
    test('a reading already stored with the same content is a duplicate', () => {
      const known = knownFrom({ hour: hoursBefore(3), records: [raw('a', 7), raw('b', 9)] });
      const result = plan([raw('a', 7), raw('b', 9), raw('c', 1)], known);
      expect(result.readings.map((r) => r.reading.id)).toEqual(['c']);
      expect(result.duplicates).toBe(2);
      expect(result.correctedHours).toEqual([]);
    });

    test('new content for a known id is a correction belonging to the earlier hour, which is re-aggregated', () => {
      const earlier = hoursBefore(3);
      const known = knownFrom({ hour: earlier, records: [raw('a', 7)] });
      const result = plan([raw('a', 7.5), raw('z', 1)], known);
      const [correction, fresh] = result.readings;
      expect(correction?.reading.id).toBe('a');
      expect(correction?.isCorrection).toBe(true);
      expect(correction?.belongsToHour.getTime()).toBe(earlier.getTime());
      expect(fresh?.isCorrection).toBe(false);
      expect(fresh?.belongsToHour.getTime()).toBe(H.getTime());
      expect(times(result.correctedHours)).toEqual([earlier.toISOString()]);
    });

    test('a second version within the batch of a known reading still belongs to the earlier hour', () => {
      const earlier = hoursBefore(5);
      const known = knownFrom({ hour: earlier, records: [raw('a', 7)] });
      const result = plan([raw('a', 7), raw('a', 8), raw('a', 8), raw('a', 9)], known);
      expect(result.readings.map((r) => r.reading.temperature)).toEqual([8, 9]);
      expect(result.readings.every((r) => r.isCorrection)).toBe(true);
      expect(result.readings.every((r) => r.belongsToHour.getTime() === earlier.getTime())).toBe(true);
      expect(result.duplicates).toBe(2);
      expect(times(result.correctedHours)).toEqual([earlier.toISOString()]);
    });

    test('every stored version counts as known content, not only the first', () => {
      const earlier = hoursBefore(2);
      const known = knownFrom(
        { hour: earlier, records: [raw('a', 7)] },
        { hour: hoursBefore(1), records: [raw('a', 8)] },
      );
      expect(known.get('a')?.belongsToHour.getTime()).toBe(earlier.getTime());
      const result = plan([raw('a', 8)], known);
      expect(result.readings).toEqual([]);
      expect(result.duplicates).toBe(1);
    });

    test('corrected hours are the other hours only, sorted and unique', () => {
      const known = new Map<string, KnownReading>([
        ...knownFrom({ hour: hoursBefore(5), records: [raw('p', 1), raw('q', 1)] }),
        ...knownFrom({ hour: hoursBefore(2), records: [raw('r', 1)] }),
        ...knownFrom({ hour: hoursBefore(1), records: [raw('s', 1)] }),
        ...knownFrom({ hour: H, records: [raw('t', 1)] }), // this hour, imported again
        ...knownFrom({ hour: hoursBefore(9), records: [raw('u', 1)] }), // not corrected
      ]);
      const result = plan(
        [raw('r', 2), raw('q', 2), raw('t', 2), raw('p', 2), raw('s', 2), raw('u', 1)],
        known,
      );
      expect(result.readings.map((r) => [r.reading.id, r.isCorrection])).toEqual([
        ['r', true],
        ['q', true],
        ['t', true],
        ['p', true],
        ['s', true],
      ]);
      expect(result.duplicates).toBe(1);
      expect(times(result.correctedHours)).toEqual(
        [hoursBefore(5), hoursBefore(2), hoursBefore(1)].map((d) => d.toISOString()),
      );
      const t = result.readings.find((r) => r.reading.id === 't');
      expect(t?.belongsToHour.getTime()).toBe(H.getTime());
    });

    test('the known map is not modified by planning', () => {
      const known = knownFrom({ hour: hoursBefore(3), records: [raw('a', 7)] });
      const before = known.get('a')?.latestContentHash;
      plan([raw('a', 8), raw('b', 1)], known);
      expect(known.get('a')?.latestContentHash).toBe(before);
      expect(known.has('b')).toBe(false);
    });
  });

  test('a return to an earlier content (A, B, A) is a new version, not a duplicate', () => {
    const known = knownFrom(
      { hour: hoursBefore(2), records: [raw('a', 7)] },
      { hour: hoursBefore(1), records: [raw('a', 8)] },
    );
    const result = plan([raw('a', 7)], known);
    expect(result.duplicates).toBe(0);
    expect(result.readings.map((r) => [r.reading.id, r.reading.temperature, r.isCorrection])).toEqual([
      ['a', 7, true],
    ]);
    expect(times(result.correctedHours)).toEqual([hoursBefore(2).toISOString()]);
  });

  test('the content hash depends on content, not on which record object carried it', () => {
    const first = plan([raw('a', 7, { extra: 1 })]).readings[0]?.contentHash;
    const second = plan([raw('a', 7, { extra: 2 })]).readings[0]?.contentHash;
    const other = plan([raw('b', 7)]).readings[0]?.contentHash;
    expect(first).toEqual(expect.any(String));
    expect(second).toBe(first);
    expect(other).not.toBe(first);
  });
});
