/**
 * Data-quality checks: each one set to warn, fail or off; the rejected-share limit at its boundary;
 * a region's silence only after SILENCE_HISTORY consecutive earlier imports with points there.
 */
import {
  evaluateQuality,
  SILENCE_HISTORY,
  type CheckAction,
  type CheckOutcome,
  type QualityInput,
  type QualitySettings,
} from '../../core/quality';

const ALL_FAIL: QualitySettings = {
  noValidReadings: 'fail',
  rejectedShare: { action: 'fail', max: 0.2 },
  regionWentSilent: 'fail',
};

/** A healthy hour: nothing to report. */
function input(overrides: Partial<QualityInput> = {}): QualityInput {
  return {
    fetched: 100,
    rejected: 0,
    counted: 100,
    regionsNow: ['Bretagne'],
    previousImports: [],
    ...overrides,
  };
}

const checks = (outcomes: CheckOutcome[]) => outcomes.map((o) => o.check).sort();
const history = (length: number, regions: string[]) => Array.from({ length }, () => [...regions]);

test('a healthy hour reports nothing', () => {
  expect(
    evaluateQuality(input({ previousImports: history(SILENCE_HISTORY, ['Bretagne']) }), ALL_FAIL),
  ).toEqual([]);
});

test('SILENCE_HISTORY is a day of hourly imports', () => {
  expect(SILENCE_HISTORY).toBe(24);
});

describe('no_valid_readings', () => {
  const empty = input({ fetched: 10, rejected: 3, counted: 0, regionsNow: [] });
  const lenient = { ...ALL_FAIL, rejectedShare: { action: 'off' as const, max: 0 } };

  test.each<[CheckAction, CheckOutcome['action'] | undefined]>([
    ['fail', 'fail'],
    ['warn', 'warn'],
    ['off', undefined],
  ])('set to %s', (action, expected) => {
    const outcomes = evaluateQuality(empty, { ...lenient, noValidReadings: action });
    if (expected === undefined) expect(outcomes).toEqual([]);
    else {
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]).toMatchObject({ check: 'no_valid_readings', action: expected });
      expect(outcomes[0]?.message).toContain('10');
      expect(outcomes[0]?.message).toContain('3');
    }
  });

  test('an hour with nothing fetched at all also has no valid reading', () => {
    const outcomes = evaluateQuality(
      input({ fetched: 0, rejected: 0, counted: 0, regionsNow: [] }),
      ALL_FAIL,
    );
    expect(checks(outcomes)).toEqual(['no_valid_readings']);
  });

  test('one counted reading is enough', () => {
    expect(evaluateQuality(input({ fetched: 1, counted: 1 }), ALL_FAIL)).toEqual([]);
  });
});

describe('rejected_share', () => {
  const only = (action: CheckAction, max: number): QualitySettings => ({
    noValidReadings: 'off',
    rejectedShare: { action, max },
    regionWentSilent: 'off',
  });

  test.each<[CheckAction, CheckOutcome['action'] | undefined]>([
    ['fail', 'fail'],
    ['warn', 'warn'],
    ['off', undefined],
  ])('set to %s', (action, expected) => {
    const outcomes = evaluateQuality(input({ fetched: 10, rejected: 5, counted: 5 }), only(action, 0.2));
    if (expected === undefined) expect(outcomes).toEqual([]);
    else {
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]).toMatchObject({ check: 'rejected_share', action: expected });
      expect(typeof outcomes[0]?.message).toBe('string');
    }
  });

  test.each([
    // [fetched, rejected, max, reported]
    [10, 2, 0.2, false], // exactly at the limit
    [10, 3, 0.2, true],
    [5, 1, 0.2, false],
    [4, 1, 0.25, false],
    [1000, 251, 0.25, true],
    [10, 3, 0.3, false],
    [100_000, 30_001, 0.3, true],
    [1000, 1, 0, true], // a zero limit tolerates no rejection
    [1000, 0, 0, false],
    [10, 10, 1, false], // a limit of 1 never triggers
  ])('%d fetched, %d rejected, limit %d: reported %s', (fetched, rejected, max, reported) => {
    const outcomes = evaluateQuality(
      input({ fetched, rejected, counted: fetched - rejected }),
      only('warn', max),
    );
    expect(outcomes.length).toBe(reported ? 1 : 0);
  });

  test('nothing fetched is not a rejected share, even with a zero limit', () => {
    expect(evaluateQuality(input({ fetched: 0, rejected: 0, counted: 0 }), only('fail', 0))).toEqual([]);
  });

  test('the message gives the share, the counts and the limit', () => {
    const [outcome] = evaluateQuality(
      input({ fetched: 200, rejected: 90, counted: 110 }),
      only('warn', 0.25),
    );
    expect(outcome?.message).toContain('45.0 %');
    expect(outcome?.message).toContain('90');
    expect(outcome?.message).toContain('200');
    expect(outcome?.message).toContain('25.0 %');
  });
});

describe('region_went_silent', () => {
  const only = (action: CheckAction): QualitySettings => ({
    noValidReadings: 'off',
    rejectedShare: { action: 'off', max: 0 },
    regionWentSilent: action,
  });

  test.each<[CheckAction, CheckOutcome['action'] | undefined]>([
    ['fail', 'fail'],
    ['warn', 'warn'],
    ['off', undefined],
  ])('set to %s', (action, expected) => {
    const outcomes = evaluateQuality(
      input({ regionsNow: ['Bretagne'], previousImports: history(SILENCE_HISTORY, ['Bretagne', 'Corse']) }),
      only(action),
    );
    if (expected === undefined) expect(outcomes).toEqual([]);
    else {
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]).toMatchObject({ check: 'region_went_silent', action: expected });
      expect(outcomes[0]?.message).toContain('Corse');
      expect(outcomes[0]?.message).not.toContain('Bretagne');
    }
  });

  test('needs SILENCE_HISTORY earlier imports: one fewer is not enough', () => {
    const outcomes = evaluateQuality(
      input({ regionsNow: [], previousImports: history(SILENCE_HISTORY - 1, ['Corse']) }),
      only('fail'),
    );
    expect(outcomes).toEqual([]);
  });

  test('a region missing from any one of the last SILENCE_HISTORY imports is not reported', () => {
    for (const gap of [0, 1, 11, SILENCE_HISTORY - 1]) {
      const previous = history(SILENCE_HISTORY, ['Corse', 'Bretagne']);
      previous[gap] = ['Bretagne'];
      const outcomes = evaluateQuality(
        input({ regionsNow: ['Bretagne'], previousImports: previous }),
        only('fail'),
      );
      expect(outcomes).toEqual([]);
    }
  });

  test('only the newest SILENCE_HISTORY imports count (history is newest first)', () => {
    // older imports beyond the window lacking the region do not matter
    const older = [...history(SILENCE_HISTORY, ['Corse']), [], [], []];
    expect(checks(evaluateQuality(input({ regionsNow: [], previousImports: older }), only('warn')))).toEqual([
      'region_went_silent',
    ]);
    // a gap in the newest import does, even with a long history before it
    const gapNewest = [[], ...history(SILENCE_HISTORY + 5, ['Corse'])];
    expect(evaluateQuality(input({ regionsNow: [], previousImports: gapNewest }), only('warn'))).toEqual([]);
  });

  test('names every silent region, sorted', () => {
    const previous = history(SILENCE_HISTORY, ['Occitanie', 'Normandie', 'Bretagne', 'Corse']);
    const [outcome] = evaluateQuality(
      input({ regionsNow: ['Normandie'], previousImports: previous }),
      only('fail'),
    );
    expect(outcome?.check).toBe('region_went_silent');
    const message = outcome?.message ?? '';
    expect(message).toContain('Bretagne, Corse, Occitanie');
    expect(message).not.toContain('Normandie');
  });

  test('the order of regions inside each earlier import does not matter', () => {
    const previous = Array.from({ length: SILENCE_HISTORY }, (_, i) =>
      i % 2 === 0 ? ['Corse', 'Bretagne'] : ['Bretagne', 'Corse'],
    );
    const outcomes = evaluateQuality(
      input({ regionsNow: ['Corse'], previousImports: previous }),
      only('warn'),
    );
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.message).toContain('Bretagne');
  });

  test('a region that is back now is not reported', () => {
    const outcomes = evaluateQuality(
      input({
        regionsNow: ['Corse', 'Bretagne'],
        previousImports: history(SILENCE_HISTORY, ['Corse', 'Bretagne']),
      }),
      only('fail'),
    );
    expect(outcomes).toEqual([]);
  });
});

test('several checks at once, each with its own action', () => {
  const outcomes = evaluateQuality(
    {
      fetched: 50,
      rejected: 50,
      counted: 0,
      regionsNow: [],
      previousImports: history(SILENCE_HISTORY, ['Corse']),
    },
    { noValidReadings: 'fail', rejectedShare: { action: 'warn', max: 0.5 }, regionWentSilent: 'warn' },
  );
  const byCheck = Object.fromEntries(outcomes.map((o) => [o.check, o.action]));
  expect(byCheck).toEqual({ no_valid_readings: 'fail', rejected_share: 'warn', region_went_silent: 'warn' });
  expect(outcomes).toHaveLength(3);
});

describe('outside_share and swapped_coordinates', () => {
  const settings: QualitySettings = {
    ...ALL_FAIL,
    noValidReadings: 'off',
    outsideShare: { action: 'warn', max: 0.2 },
    swappedCoordinates: 'warn',
  };

  test('20 % outside is at the limit, 21 % above it', () => {
    expect(checks(evaluateQuality(input({ counted: 100, outside: 20 }), settings))).toEqual([]);
    const [outcome] = evaluateQuality(input({ counted: 100, outside: 21 }), settings);
    expect(outcome).toEqual({
      check: 'outside_share',
      action: 'warn',
      message:
        '21.0 % of the readings counted are outside every region (21 of 100), above the limit of 20.0 % (CHECK_OUTSIDE_SHARE_MAX)',
    });
  });

  test('most readings outside falling inside once swapped: said in plain words', () => {
    const outcomes = evaluateQuality(
      input({ counted: 10, outside: 10, swapped: { outside: 10, insideIfSwapped: 9 } }),
      settings,
    );
    expect(checks(outcomes)).toEqual(['outside_share', 'swapped_coordinates']);
    expect(outcomes.find((o) => o.check === 'swapped_coordinates')?.message).toBe(
      'latitude and longitude look swapped: 9 of the 10 readings outside every region would fall inside one if their latitude and longitude were exchanged; the source probably sends them the wrong way round',
    );
  });

  test('a few stray points, or a minority that fits swapped, prove nothing', () => {
    const quiet = { ...settings, outsideShare: { action: 'off' as const, max: 0.2 } };
    expect(evaluateQuality(input({ swapped: { outside: 4, insideIfSwapped: 4 } }), quiet)).toEqual([]);
    expect(evaluateQuality(input({ swapped: { outside: 10, insideIfSwapped: 4 } }), quiet)).toEqual([]);
  });

  test('off, or absent from older settings, reports nothing', () => {
    const off = {
      ...settings,
      swappedCoordinates: 'off' as const,
      outsideShare: { action: 'off' as const, max: 0 },
    };
    const busy = input({ counted: 10, outside: 10, swapped: { outside: 10, insideIfSwapped: 10 } });
    expect(evaluateQuality(busy, off)).toEqual([]);
    expect(evaluateQuality(busy, { ...ALL_FAIL, noValidReadings: 'off' })).toEqual([]);
  });
});
