import { generateReadings, READING_WINDOW_SECONDS } from '../../sim/generator';
import { mixInMalformed } from '../../sim/faults';
import { validateRecord } from '../../core/reading';

const NOW = new Date('2026-11-27T14:00:00Z');
// The bounding box the contract promises, written out here rather than imported from the simulator.
const inBox = (r: { lat: number; lon: number }) =>
  r.lat >= 41.3 && r.lat <= 51.1 && r.lon >= -4.8 && r.lon <= 9.6;

describe('generateReadings', () => {
  it('is deterministic for (seed, callIndex) and differs across both', () => {
    const a = generateReadings(7, 1, 200, NOW);
    expect(generateReadings(7, 1, 200, NOW)).toEqual(a);
    expect(generateReadings(8, 1, 200, NOW)).not.toEqual(a);
    expect(generateReadings(7, 2, 200, NOW)).not.toEqual(a);
    // A longer run starts with the same readings: count only decides where to stop.
    expect(generateReadings(7, 1, 300, NOW).slice(0, 200)).toEqual(a);
    expect(generateReadings(7, 1, 0, NOW)).toEqual([]);
    // Restarted later with the same seed, the simulator sends new reading ids, as a partner would.
    const later = generateReadings(7, 1, 200, new Date(NOW.getTime() + 3_600_000));
    expect(later.filter((r, i) => r.id === a[i]?.id)).toEqual([]);
  });

  it('speaks the partner contract: uuid, "YYYY-MM-DD HH:MM:SS" near now, numbers, a country', () => {
    const readings = generateReadings(1, 1, 500, NOW);
    expect(new Set(readings.map((r) => r.id)).size).toBe(500);
    for (const r of readings) {
      expect(Object.keys(r).sort()).toEqual(['country', 'id', 'lat', 'lon', 'temperature', 'timestamp']);
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      const age = NOW.getTime() - Date.parse(`${r.timestamp.replace(' ', 'T')}Z`);
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(READING_WINDOW_SECONDS * 1000);
      expect(typeof r.country).toBe('string');
      expect(validateRecord(r).ok).toBe(true);
    }
  });

  it('puts ~90 % in metropolitan France labelled France, the rest abroad, with some mislabels both ways', () => {
    const readings = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].flatMap((call) => generateReadings(3, call, 500, NOW));
    const inside = readings.filter(inBox);
    const outside = readings.filter((r) => !inBox(r));
    expect(inside.length / readings.length).toBeGreaterThan(0.86);
    expect(inside.length / readings.length).toBeLessThan(0.94);

    const franceLabelledInside = inside.filter((r) => r.country === 'France').length / inside.length;
    expect(franceLabelledInside).toBeGreaterThan(0.95);
    expect(franceLabelledInside).toBeLessThan(1); // a few French points carry a neighbour's label
    expect(outside.some((r) => r.country === 'France')).toBe(true); // a few sensors abroad say France
    expect(outside.filter((r) => r.country !== 'France').length / outside.length).toBeGreaterThan(0.8);
    expect(new Set(outside.map((r) => r.country)).size).toBeGreaterThan(5);
  });

  it('gives plausible temperatures (late November: cool in France)', () => {
    const readings = generateReadings(11, 1, 2000, NOW);
    const french = readings.filter(inBox).map((r) => r.temperature);
    const mean = french.reduce((sum, t) => sum + t, 0) / french.length;
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(15);
    for (const r of readings) {
      expect(r.temperature).toBeGreaterThan(-40);
      expect(r.temperature).toBeLessThan(50);
    }
    const july = generateReadings(11, 1, 2000, new Date('2026-07-15T14:00:00Z')).filter(inBox);
    expect(july.reduce((sum, r) => sum + r.temperature, 0) / july.length).toBeGreaterThan(mean + 8);
  });
});

describe('mixInMalformed', () => {
  it('keeps every good reading and adds one of each bad kind plus an exact duplicate', () => {
    const good = generateReadings(5, 1, 40, NOW);
    const mixed = mixInMalformed(good);
    expect(mixed).toHaveLength(46);

    const results = mixed.map((record) => validateRecord(record));
    const invalid = results.filter((r) => !r.ok);
    const codes = invalid.map((r) => (r.ok ? [] : r.reasons.map((reason) => reason.code)));
    expect(codes).toEqual(
      expect.arrayContaining([
        ['temperature_invalid'],
        ['lat_invalid'],
        ['lat_invalid'],
        ['temperature_implausible'],
        ['not_an_object'],
      ]),
    );
    expect(invalid).toHaveLength(5);

    const validIds = results.flatMap((r) => (r.ok ? [r.reading.id] : []));
    expect(validIds).toHaveLength(41); // 40 good + the duplicate
    expect(new Set(validIds)).toEqual(new Set(good.map((r) => r.id)));
    const firstId = good[0]?.id;
    const copies = mixed.filter(
      (m) => typeof m === 'object' && m !== null && (m as { id?: unknown }).id === firstId,
    );
    expect(copies).toEqual([good[0], good[0]]);
    expect(mixed).toContainEqual({ ...good[1], battery: 0.87, firmware: '2.4.1' });
    // The bad records are spread out, not all at one end.
    const badPositions = results.flatMap((r, i) => (r.ok ? [] : [i]));
    expect(Math.max(...badPositions) - Math.min(...badPositions)).toBeGreaterThan(20);
  });
});
