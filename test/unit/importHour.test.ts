/**
 * The import hour: the forms a person may type, refusal of anything not on the hour (in UTC),
 * calendar validation, and the small date helpers the workflow relies on.
 */
import {
  addHours,
  formatHour,
  hoursBetween,
  hoursFrom,
  horizonStart,
  parseHour,
  truncateToHour,
  workflowIdForHour,
} from '../../core/importHour';

const utc = (y: number, m: number, d: number, h = 0, min = 0, s = 0, ms = 0) =>
  new Date(Date.UTC(y, m - 1, d, h, min, s, ms));

describe('parseHour', () => {
  const H = utc(2026, 11, 27, 14);

  test.each([
    '2026-11-27T14',
    '2026-11-27T14:00',
    '2026-11-27T14:00:00',
    '2026-11-27T14:00:00Z',
    '2026-11-27T14:00Z',
    '2026-11-27T14:00:00.000Z',
    '2026-11-27T14:00:00.000000',
    '2026-11-27 14:00',
    '2026-11-27 14:00:00Z',
    '2026-11-27T16:00+02:00',
    '2026-11-27T16:00:00+02:00',
    '2026-11-27T16:00:00+0200',
    '2026-11-27T09:00-05:00',
    '2026-11-27T14:00+00:00',
    '2026-11-27T14:00-00:00',
    '2026-11-28T00:00+10:00', // the previous UTC day
    '2026-11-27T04:00-10:00',
    '  2026-11-27T14:00Z  ',
  ])('reads %j as 2026-11-27T14:00Z', (text) => {
    expect(parseHour(text).getTime()).toBe(H.getTime());
  });

  test('an offset can carry the hour into another month and year', () => {
    expect(parseHour('2027-01-01T01:00+02:00').getTime()).toBe(utc(2026, 12, 31, 23).getTime());
    expect(parseHour('2026-02-28T22:00-03:00').getTime()).toBe(utc(2026, 3, 1, 1).getTime());
  });

  test.each([
    '2026-11-27T14:30',
    '2026-11-27T14:00:01',
    '2026-11-27T14:59:59Z',
    '2026-11-27T14:00:00.5Z',
    '2026-11-27T14:00:00.001',
    '2026-11-27T14:00:00.000001Z',
  ])('refuses %j, which is not on the hour', (text) => {
    expect(() => parseHour(text)).toThrow(RangeError);
    expect(() => parseHour(text)).toThrow(/not on the hour/);
  });

  test.each([
    '2026-11-27T14:00+05:30',
    '2026-11-27T14:00+00:45',
    '2026-11-27T14:00-03:30',
    '2026-11-27T14:00+0545',
  ])('refuses %j, whose offset puts it off the hour in UTC', (text) => {
    expect(() => parseHour(text)).toThrow(RangeError);
    expect(() => parseHour(text)).toThrow(/not on the hour in UTC/);
  });

  test.each([
    '2026-02-29T10', // 2026 is not a leap year
    '2100-02-29T10',
    '2026-02-30T10',
    '2026-04-31T10',
    '2026-13-01T10',
    '2026-00-10T10',
    '2026-11-00T10',
    '2026-11-32T10',
    '2026-11-27T24',
    '2026-11-27T24:00Z',
    '2026-11-27T25:00',
  ])('refuses %j, which is not a real calendar hour', (text) => {
    expect(() => parseHour(text)).toThrow(RangeError);
    expect(() => parseHour(text)).toThrow(/not a real calendar hour/);
  });

  test.each(['2024-02-29T23', '2000-02-29T00', '2026-12-31T23', '2026-01-01T00'])(
    'accepts the real calendar hour %j',
    (text) => {
      const [date = '', hh = ''] = text.split('T');
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      expect(parseHour(text).getTime()).toBe(utc(y, m, d, Number(hh)).getTime());
    },
  );

  test.each(['', 'now', '2026-11-27', '14:00', '2026-11-27T1', '2026-11-27T14:00:00+2', '27/11/2026 14:00'])(
    'refuses the malformed %j with a message quoting it',
    (text) => {
      expect(() => parseHour(text)).toThrow(RangeError);
      expect(() => parseHour(text)).toThrow(`"${text}"`);
    },
  );

  // Date.UTC maps years 0-99 to 1900-1999; "0050-06-01T12" must not silently become 1950.
  test('a half-hour zone whose local time is a whole UTC hour is accepted', () => {
    expect(parseHour('2026-11-27T19:30+05:30').toISOString()).toBe('2026-11-27T14:00:00.000Z');
  });

  test.each(['0050-06-01T12', '0099-12-31T23'])('does not turn the year of %j into 19xx', (text) => {
    let parsed: Date | undefined;
    try {
      parsed = parseHour(text);
    } catch {
      parsed = undefined; // refusing is acceptable
    }
    if (parsed !== undefined) expect(parsed.getUTCFullYear()).toBe(Number(text.slice(0, 4)));
  });

  test('round-trips every formatted hour over two years', () => {
    const start = utc(2025, 1, 1).getTime();
    const mismatches: string[] = [];
    for (let i = 0; i < 2 * 366 * 24; i += 7) {
      const hour = new Date(start + i * 3_600_000);
      if (parseHour(formatHour(hour)).getTime() !== hour.getTime()) mismatches.push(formatHour(hour));
    }
    expect(mismatches).toEqual([]);
  });
});

describe('truncateToHour', () => {
  test.each([
    [utc(2026, 11, 27, 14, 59, 59, 999), utc(2026, 11, 27, 14)],
    [utc(2026, 11, 27, 14, 0, 0, 1), utc(2026, 11, 27, 14)],
    [utc(2026, 11, 27, 14), utc(2026, 11, 27, 14)],
    [utc(2026, 12, 31, 23, 30), utc(2026, 12, 31, 23)],
    [utc(1969, 12, 31, 23, 30), utc(1969, 12, 31, 23)], // before the epoch: floor, not toward zero
  ])('%s -> %s', (instant, expected) => {
    expect(truncateToHour(instant).getTime()).toBe(expected.getTime());
  });

  test('does not modify its argument', () => {
    const instant = utc(2026, 11, 27, 14, 25);
    truncateToHour(instant);
    expect(instant.getTime()).toBe(utc(2026, 11, 27, 14, 25).getTime());
  });
});

describe('formatHour and workflowIdForHour', () => {
  test('format the hour without milliseconds, in UTC', () => {
    expect(formatHour(utc(2026, 11, 27, 14))).toBe('2026-11-27T14:00:00Z');
    expect(formatHour(utc(2027, 1, 1, 0))).toBe('2027-01-01T00:00:00Z');
  });

  test('the workflow id names the hour', () => {
    expect(workflowIdForHour(utc(2026, 11, 27, 14))).toBe('hourly-import-2026-11-27T14:00:00Z');
  });

  test('two ways of writing the same hour give the same workflow id; different hours do not', () => {
    const a = workflowIdForHour(parseHour('2026-11-27T16:00+02:00'));
    const b = workflowIdForHour(parseHour('2026-11-27T14'));
    const c = workflowIdForHour(parseHour('2026-11-27T15'));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});

describe('addHours', () => {
  test.each([
    [utc(2026, 11, 27, 14), 1, utc(2026, 11, 27, 15)],
    [utc(2026, 11, 27, 14), -1, utc(2026, 11, 27, 13)],
    [utc(2026, 11, 27, 14), 0, utc(2026, 11, 27, 14)],
    [utc(2026, 11, 27, 14), 24, utc(2026, 11, 28, 14)],
    [utc(2026, 12, 31, 23), 1, utc(2027, 1, 1, 0)],
    [utc(2024, 2, 28, 23), 24, utc(2024, 2, 29, 23)],
    [utc(2026, 3, 1, 0), -1, utc(2026, 2, 28, 23)],
    // Europe's DST change is irrelevant: hours are UTC
    [utc(2026, 3, 29, 0), 3, utc(2026, 3, 29, 3)],
  ])('%s + %d h = %s', (hour, n, expected) => {
    expect(addHours(hour, n).getTime()).toBe(expected.getTime());
  });
});

describe('hoursBetween', () => {
  test('includes both ends', () => {
    const from = utc(2026, 11, 27, 22);
    const to = utc(2026, 11, 28, 1);
    expect(hoursBetween(from, to).map((h) => h.getTime())).toEqual(
      [utc(2026, 11, 27, 22), utc(2026, 11, 27, 23), utc(2026, 11, 28, 0), utc(2026, 11, 28, 1)].map((h) =>
        h.getTime(),
      ),
    );
  });

  test('one hour when from equals to; none when to is before from', () => {
    const h = utc(2026, 11, 27, 14);
    expect(hoursBetween(h, h).map((d) => d.getTime())).toEqual([h.getTime()]);
    expect(hoursBetween(h, utc(2026, 11, 27, 13))).toEqual([]);
  });

  test('starts at the hour containing a from that is not on the hour', () => {
    const hours = hoursBetween(utc(2026, 11, 27, 14, 40), utc(2026, 11, 27, 16));
    expect(hours.map((d) => d.getTime())).toEqual(
      [utc(2026, 11, 27, 14), utc(2026, 11, 27, 15), utc(2026, 11, 27, 16)].map((d) => d.getTime()),
    );
  });

  test('two days inclusive is 49 consecutive hours, each on the hour', () => {
    const hours = hoursBetween(utc(2026, 2, 27, 0), utc(2026, 3, 1, 0));
    expect(hours).toHaveLength(49);
    hours.forEach((h, i) => {
      expect(h.getTime() % 3_600_000).toBe(0);
      if (i > 0) expect(h.getTime() - hours[i - 1]!.getTime()).toBe(3_600_000);
    });
    expect(hours[48]!.getTime()).toBe(utc(2026, 3, 1, 0).getTime());
  });
});

describe('hoursFrom and horizonStart', () => {
  it('counts fractional hours between instants, negative backwards', () => {
    expect(hoursFrom(new Date('2026-11-27T14:00:00Z'), new Date('2026-11-27T16:30:00Z'))).toBe(2.5);
    expect(hoursFrom(Date.parse('2026-11-27T16:00:00Z'), Date.parse('2026-11-27T14:00:00Z'))).toBe(-2);
  });

  it('puts the horizon start the given number of hours before the import hour', () => {
    expect(horizonStart(new Date('2026-11-27T14:00:00Z'), 24).toISOString()).toBe('2026-11-26T14:00:00.000Z');
    expect(horizonStart(new Date('2026-03-01T00:00:00Z'), 8760).toISOString()).toBe(
      '2025-03-01T00:00:00.000Z',
    );
  });
});
