/**
 * Record validation and timestamp parsing: every rejection code, several at once, the partner's
 * "YYYY-MM-DD HH:MM:SS" (UTC) and ISO 8601 with offsets, impossible calendar times, limits.
 */
import { DEFAULT_LIMITS, parseTimestamp, validateRecord, type RejectionCode } from '../../core/reading';

/** A record that passes with the default limits; each test spoils one field at a time. */
function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '3f1c2a9e-7d4b-4c8e-9a51-0b6d2e4f8a13',
    timestamp: '2026-11-27 13:25:40',
    lat: 48.8566,
    lon: 2.3522,
    temperature: 7.5,
    country: 'France',
    ...overrides,
  };
}

function codes(raw: unknown, limits = DEFAULT_LIMITS): RejectionCode[] {
  const result = validateRecord(raw, limits);
  return result.ok ? [] : result.reasons.map((reason) => reason.code).sort();
}

describe('parseTimestamp', () => {
  test.each([
    ['2026-11-27 13:25:40', '2026-11-27T13:25:40.000Z'],
    ['2026-01-01 00:00:00', '2026-01-01T00:00:00.000Z'],
    ['2026-12-31 23:59:59', '2026-12-31T23:59:59.000Z'],
  ])('reads the partner format %s as UTC', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  test.each([
    ['2026-11-27T13:25:40Z', '2026-11-27T13:25:40.000Z'],
    ['2026-11-27T13:25:40', '2026-11-27T13:25:40.000Z'], // no offset: UTC
    ['2026-11-27T15:25:40+02:00', '2026-11-27T13:25:40.000Z'],
    ['2026-11-27T08:25:40-05:00', '2026-11-27T13:25:40.000Z'],
    ['2026-11-27T18:55:40+05:30', '2026-11-27T13:25:40.000Z'],
    ['2026-11-27T13:25:40+00:00', '2026-11-27T13:25:40.000Z'],
    ['2026-11-27T13:25:40-00:00', '2026-11-27T13:25:40.000Z'],
    // the offset moves the instant across a day, month and year boundary
    ['2026-01-01T01:30:00+02:00', '2025-12-31T23:30:00.000Z'],
    ['2026-02-28T22:00:00-03:00', '2026-03-01T01:00:00.000Z'],
    ['2026-11-27T13:25:40.5Z', '2026-11-27T13:25:40.500Z'],
    ['2026-11-27T13:25:40.125+01:00', '2026-11-27T12:25:40.125Z'],
  ])('reads ISO 8601 %s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  test('keeps millisecond precision of a longer fraction without rounding into the next second', () => {
    expect(parseTimestamp('2026-11-27T13:25:40.123456789Z')).toBe('2026-11-27T13:25:40.123Z');
    const nearlyNext = parseTimestamp('2026-11-27T13:25:59.9999Z');
    expect(nearlyNext).not.toBeNull();
    expect(nearlyNext!.startsWith('2026-11-27T13:25:59.')).toBe(true);
  });

  test.each([
    '2024-02-29 12:00:00', // leap year
    '2000-02-29 12:00:00', // divisible by 400
    '2026-04-30 12:00:00',
    '2026-01-31 12:00:00',
  ])('accepts the real calendar date %s', (text) => {
    expect(parseTimestamp(text)).toBe(`${text.replace(' ', 'T')}.000Z`);
  });

  test.each([
    '2026-02-30 12:00:00',
    '2026-02-29 12:00:00', // 2026 is not a leap year
    '2100-02-29 12:00:00', // divisible by 100, not by 400
    '2026-04-31 12:00:00',
    '2026-13-01 12:00:00',
    '2026-00-10 12:00:00',
    '2026-11-00 12:00:00',
    '2026-11-27 24:00:00',
    '2026-11-27 23:60:00',
    '2026-11-27 23:59:60',
    '2026-02-30T12:00:00Z',
    '2026-11-27T24:00:00Z',
    '2026-11-27T24:00:00+02:00',
  ])('refuses the impossible time %s', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });

  test.each([
    '',
    'yesterday',
    '2026-11-27',
    '2026-11-27 13:25',
    '2026/11/27 13:25:40',
    '27-11-2026 13:25:40',
    '2026-11-27T13:25',
    '2026-11-27 13:25:40 UTC',
    '2026-11-27T13:25:40+0200x',
    '1764249940',
  ])('refuses the malformed text %j', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});

describe('validateRecord', () => {
  test('accepts a good record and normalises the timestamp to ISO UTC', () => {
    const result = validateRecord(record());
    expect(result).toStrictEqual({
      ok: true,
      reading: {
        id: '3f1c2a9e-7d4b-4c8e-9a51-0b6d2e4f8a13',
        timestamp: '2026-11-27T13:25:40.000Z',
        lat: 48.8566,
        lon: 2.3522,
        temperature: 7.5,
        country: 'France',
      },
    });
  });

  test('tolerates extra fields and leaves them out of the reading', () => {
    const result = validateRecord(record({ humidity: 80, firmware: { v: 3 }, note: null }));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Object.keys(result.reading).sort()).toEqual(
        ['country', 'id', 'lat', 'lon', 'temperature', 'timestamp'].sort(),
      );
    }
  });

  test.each([
    ['missing', undefined],
    ['null', null],
  ])('treats a %s country as no country', (_label, country) => {
    const raw = record();
    if (country === undefined) delete raw.country;
    else raw.country = country;
    const result = validateRecord(raw);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.reading.country).toBeNull();
  });

  test('keeps an ISO timestamp with an offset as its UTC instant', () => {
    const result = validateRecord(record({ timestamp: '2026-11-27T14:25:40+01:00' }));
    expect(result.ok && result.reading.timestamp).toBe('2026-11-27T13:25:40.000Z');
  });

  test.each([null, undefined, 42, 'a record', true, [], [record()]])(
    'rejects the non-object %p with not_an_object only',
    (raw) => {
      const result = validateRecord(raw);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reasons).toHaveLength(1);
        expect(result.reasons[0]?.code).toBe('not_an_object');
        expect(result.reasons[0]?.message).toEqual(expect.any(String));
      }
    },
  );

  const oneBadField: [string, Record<string, unknown>, RejectionCode][] = [
    ['id missing', { id: undefined }, 'id_invalid'],
    ['id empty', { id: '' }, 'id_invalid'],
    ['id blank', { id: '   ' }, 'id_invalid'],
    ['id a number', { id: 42 }, 'id_invalid'],
    ['id null', { id: null }, 'id_invalid'],
    ['timestamp missing', { timestamp: undefined }, 'timestamp_invalid'],
    ['timestamp a number', { timestamp: 1764249940000 }, 'timestamp_invalid'],
    ['timestamp garbage', { timestamp: 'soon' }, 'timestamp_invalid'],
    ['timestamp Feb 30', { timestamp: '2026-02-30 10:00:00' }, 'timestamp_invalid'],
    ['timestamp hour 24', { timestamp: '2026-11-27 24:00:00' }, 'timestamp_invalid'],
    ['lat missing', { lat: undefined }, 'lat_invalid'],
    ['lat a string', { lat: '48.85' }, 'lat_invalid'],
    ['lat NaN', { lat: NaN }, 'lat_invalid'],
    ['lat above 90', { lat: 90.0001 }, 'lat_invalid'],
    ['lat below -90', { lat: -91 }, 'lat_invalid'],
    ['lon missing', { lon: undefined }, 'lon_invalid'],
    ['lon null', { lon: null }, 'lon_invalid'],
    ['lon Infinity', { lon: Infinity }, 'lon_invalid'],
    ['lon above 180', { lon: 180.5 }, 'lon_invalid'],
    ['lon below -180', { lon: -181 }, 'lon_invalid'],
    ['temperature missing', { temperature: undefined }, 'temperature_invalid'],
    ['temperature a string', { temperature: '7.5' }, 'temperature_invalid'],
    ['temperature null', { temperature: null }, 'temperature_invalid'],
    ['temperature NaN', { temperature: NaN }, 'temperature_invalid'],
    ['temperature -Infinity', { temperature: -Infinity }, 'temperature_invalid'],
    ['temperature too high', { temperature: 60.01 }, 'temperature_implausible'],
    ['temperature too low', { temperature: -90.5 }, 'temperature_implausible'],
    ['country a number', { country: 33 }, 'country_invalid'],
    ['country an object', { country: { code: 'FR' } }, 'country_invalid'],
    ['country a boolean', { country: true }, 'country_invalid'],
    ['country an array', { country: ['FR'] }, 'country_invalid'],
  ];

  test.each(oneBadField)('%s gives exactly one reason', (_label, overrides, code) => {
    expect(codes(record(overrides))).toEqual([code]);
    const result = validateRecord(record(overrides));
    if (!result.ok) expect(result.reasons[0]?.message.length).toBeGreaterThan(0);
  });

  test('gives every reason when several fields are wrong', () => {
    const raw = {
      id: '',
      timestamp: '2026-02-30 00:00:00',
      lat: 100,
      lon: 'east',
      temperature: 1000,
      country: 7,
    };
    expect(codes(raw)).toEqual(
      [
        'id_invalid',
        'timestamp_invalid',
        'lat_invalid',
        'lon_invalid',
        'temperature_implausible',
        'country_invalid',
      ].sort(),
    );
  });

  test('an empty object fails on every required field but not on the optional country', () => {
    expect(codes({})).toEqual(
      ['id_invalid', 'timestamp_invalid', 'lat_invalid', 'lon_invalid', 'temperature_invalid'].sort(),
    );
  });

  test('messages name the field that is wrong', () => {
    const result = validateRecord({
      id: 5,
      timestamp: 'x',
      lat: 'y',
      lon: 'z',
      temperature: 'w',
      country: 1,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const byCode = new Map(result.reasons.map((r) => [r.code, r.message]));
      expect(byCode.get('id_invalid')).toMatch(/\bid\b/);
      expect(byCode.get('timestamp_invalid')).toMatch(/timestamp/);
      expect(byCode.get('lat_invalid')).toMatch(/lat/);
      expect(byCode.get('lon_invalid')).toMatch(/lon/);
      expect(byCode.get('temperature_invalid')).toMatch(/temperature/);
      expect(byCode.get('country_invalid')).toMatch(/country/);
    }
  });

  test.each([[{ lat: 90, lon: 180 }], [{ lat: -90, lon: -180 }], [{ lat: 0, lon: 0 }]])(
    'accepts coordinates on the boundary %p',
    (coords) => {
      expect(codes(record(coords))).toEqual([]);
    },
  );

  describe('temperature limits', () => {
    test('the defaults are -90 and 60 °C, both included', () => {
      expect(DEFAULT_LIMITS).toMatchObject({ temperatureMin: -90, temperatureMax: 60 });
      expect(codes(record({ temperature: -90 }))).toEqual([]);
      expect(codes(record({ temperature: 60 }))).toEqual([]);
      expect(codes(record({ temperature: -90.0001 }))).toEqual(['temperature_implausible']);
      expect(codes(record({ temperature: 60.0001 }))).toEqual(['temperature_implausible']);
    });

    test('configured limits replace the defaults, boundaries included', () => {
      const limits = { ...DEFAULT_LIMITS, temperatureMin: -10, temperatureMax: 35 };
      expect(codes(record({ temperature: -10 }), limits)).toEqual([]);
      expect(codes(record({ temperature: 35 }), limits)).toEqual([]);
      expect(codes(record({ temperature: 0 }), limits)).toEqual([]);
      expect(codes(record({ temperature: -10.01 }), limits)).toEqual(['temperature_implausible']);
      expect(codes(record({ temperature: 35.01 }), limits)).toEqual(['temperature_implausible']);
      // plausible by default, implausible under the stricter limits
      expect(codes(record({ temperature: 50 }))).toEqual([]);
      expect(codes(record({ temperature: 50 }), limits)).toEqual(['temperature_implausible']);
    });

    test('wider limits accept what the defaults refuse', () => {
      const limits = { ...DEFAULT_LIMITS, temperatureMin: -150, temperatureMax: 150 };
      expect(codes(record({ temperature: 100 }), limits)).toEqual([]);
      expect(codes(record({ temperature: -120 }), limits)).toEqual([]);
      expect(codes(record({ temperature: 100 }))).toEqual(['temperature_implausible']);
    });

    test('the implausible message states the value and the range', () => {
      const result = validateRecord(record({ temperature: 36 }), {
        ...DEFAULT_LIMITS,
        temperatureMin: -10,
        temperatureMax: 35,
      });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reasons[0]?.message).toContain('36');
        expect(result.reasons[0]?.message).toContain('-10');
        expect(result.reasons[0]?.message).toContain('35');
      }
    });
  });
});

describe('text PostgreSQL cannot store', () => {
  const base = { timestamp: '2026-01-01 00:00:00', lat: 45, lon: 2, temperature: 10 };
  const codes = (record: object) => {
    const result = validateRecord(record);
    return result.ok ? [] : result.reasons.map((r) => r.code);
  };

  test('an id with a NUL, a lone surrogate or over 256 characters is rejected', () => {
    expect(codes({ ...base, id: 'a\u0000b' })).toEqual(['id_invalid']);
    expect(codes({ ...base, id: 'a\ud800' })).toEqual(['id_invalid']);
    expect(codes({ ...base, id: 'x'.repeat(257) })).toEqual(['id_invalid']);
    expect(codes({ ...base, id: 'x'.repeat(256) })).toEqual([]);
  });

  test('a country with a NUL or a lone surrogate is rejected', () => {
    expect(codes({ ...base, id: 'a', country: 'Fr\u0000' })).toEqual(['country_invalid']);
    expect(codes({ ...base, id: 'a', country: 'Fr\udc00' })).toEqual(['country_invalid']);
  });
});

describe('issue 11: timestamps PostgreSQL can store, RFC 3339 variants, non-finite numbers', () => {
  test.each([
    ['2026-11-27t13:25:40z', '2026-11-27T13:25:40.000Z'],
    ['2026-11-27T15:25:40 +02:00', '2026-11-27T13:25:40.000Z'],
    ['2026-11-27 13:25:40Z', '2026-11-27T13:25:40.000Z'],
    ['2026-11-27T15:25:40+0200', '2026-11-27T13:25:40.000Z'],
    ['2026-11-27T13:25:40,5Z', '2026-11-27T13:25:40.500Z'],
  ])('reads the RFC 3339 variant %s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  test.each(['0000-01-01 00:00:00', '0001-01-01T00:30:00+01:00', '2026-11-27T13:25:40+24:00'])(
    'refuses %s: not storable by PostgreSQL, or not a real offset',
    (text) => {
      expect(parseTimestamp(text)).toBeNull();
    },
  );

  test('a timestamp outside the window is quarantined with its own code', () => {
    expect(codes(record({ timestamp: '1999-12-31 23:59:59' }))).toEqual(['timestamp_out_of_window']);
    expect(codes(record({ timestamp: '2100-01-01 00:00:01' }))).toEqual(['timestamp_out_of_window']);
    expect(codes(record({ timestamp: '2000-01-01 00:00:00' }))).toEqual([]);
  });

  test('NaN, Infinity anywhere, and deep nesting are reasons; broken keys are not', () => {
    expect(codes(record({ temperature: NaN }))).toEqual(['temperature_invalid']);
    expect(codes(record({ humidity: Infinity }))).toEqual(['number_not_finite']);
    expect(codes(record({ extra: { deeper: [1, -Infinity] } }))).toEqual(['number_not_finite']);
    let deep: unknown = 1;
    for (let i = 0; i < 80; i += 1) deep = [deep];
    expect(codes(record({ deep }))).toEqual(['too_deep']);
    expect(codes(record({ '\ud83c': 'a\u0000' }))).toEqual([]);
  });
});
