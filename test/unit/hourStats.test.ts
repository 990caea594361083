/**
 * Hour statistics: readings outside every region, France-labelled readings outside France,
 * foreign-labelled readings inside, and points per region.
 */
import { hourStats, isFranceLabel } from '../../core/hourStats';

type Placed = { region: string | null; country: string | null };

describe('isFranceLabel', () => {
  test.each(['France', 'france', 'FRANCE', 'FR', 'fr', 'FRA', 'fra', '  France ', 'Fr'])(
    '%j is France',
    (label) => {
      expect(isFranceLabel(label)).toBe(true);
    },
  );

  test.each([null, '', 'Belgium', 'BE', 'Francia', 'French Republic', 'F', 'DE', 'Monaco'])(
    '%j is not France',
    (label) => {
      expect(isFranceLabel(label)).toBe(false);
    },
  );
});

describe('hourStats', () => {
  test('nothing placed', () => {
    expect(hourStats([])).toEqual({
      counted: 0,
      outside: 0,
      countryMismatches: { franceOutside: 0, foreignInside: 0 },
      pointsPerRegion: {},
    });
  });

  test('a hand-counted hour', () => {
    const readings: Placed[] = [
      { region: 'Bretagne', country: 'France' },
      { region: 'Bretagne', country: 'FR' },
      { region: 'Bretagne', country: null }, // no label: not a mismatch
      { region: 'Corse', country: 'Italy' }, // foreign inside
      { region: 'Grand Est', country: 'DE' }, // foreign inside
      { region: 'Grand Est', country: 'fra' },
      { region: null, country: 'France' }, // France outside
      { region: null, country: ' fr ' }, // France outside
      { region: null, country: 'Spain' }, // outside, consistent
      { region: null, country: null }, // outside, no label
    ];
    expect(hourStats(readings)).toEqual({
      counted: 10,
      outside: 4,
      countryMismatches: { franceOutside: 2, foreignInside: 2 },
      pointsPerRegion: { Bretagne: 3, Corse: 1, 'Grand Est': 2 },
    });
  });

  test('counted includes readings outside every region', () => {
    const stats = hourStats([
      { region: null, country: null },
      { region: null, country: null },
    ]);
    expect(stats.counted).toBe(2);
    expect(stats.outside).toBe(2);
    expect(stats.pointsPerRegion).toEqual({});
  });

  test('on a larger generated hour, the counts match a direct tally', () => {
    const regions = ['Bretagne', 'Normandie', 'Île-de-France', null];
    const countries = ['France', 'FR', 'Belgique', null, 'ES'];
    const readings: Placed[] = [];
    for (let i = 0; i < 1000; i++) {
      readings.push({ region: regions[i % 4] ?? null, country: countries[i % 5] ?? null });
    }
    // i % 4 and i % 5 cycle together every 20: each (region, country) pair occurs 50 times
    const stats = hourStats(readings);
    expect(stats.counted).toBe(1000);
    expect(stats.outside).toBe(250);
    expect(stats.pointsPerRegion).toEqual({ Bretagne: 250, Normandie: 250, 'Île-de-France': 250 });
    // outside with a France label: 2 labels x 50
    expect(stats.countryMismatches.franceOutside).toBe(100);
    // inside with a foreign label: 3 regions x 2 labels x 50
    expect(stats.countryMismatches.foreignInside).toBe(300);
  });
});
