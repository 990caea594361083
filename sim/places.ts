/**
 * Where the simulated sensors stand. Most cluster around towns in each of the 13 metropolitan
 * regions, so that every region gets points on every call (a region that goes silent is a
 * quality signal, and should not happen by chance in the simulator); the rest are abroad.
 */

/** Metropolitan France's bounding box (with Corsica), as the partner contract describes it. */
export const FRANCE_BBOX = { minLon: -4.8, maxLon: 9.6, minLat: 41.3, maxLat: 51.1 } as const;

export interface Place {
  name: string;
  lat: number;
  lon: number;
  /** Standard deviation of the scatter around the town, in degrees. */
  spread: number;
}

/** Two or three towns per region; inland towns scatter more than coastal ones, to stay mostly on land. */
export const FRENCH_TOWNS: readonly Place[] = [
  { name: 'Paris', lat: 48.8566, lon: 2.3522, spread: 0.15 },
  { name: 'Lyon', lat: 45.764, lon: 4.8357, spread: 0.2 },
  { name: 'Clermont-Ferrand', lat: 45.7772, lon: 3.087, spread: 0.2 },
  { name: 'Grenoble', lat: 45.1885, lon: 5.7245, spread: 0.15 },
  { name: 'Bordeaux', lat: 44.8378, lon: -0.5792, spread: 0.15 },
  { name: 'Poitiers', lat: 46.5802, lon: 0.3404, spread: 0.2 },
  { name: 'Limoges', lat: 45.8336, lon: 1.2611, spread: 0.2 },
  { name: 'Toulouse', lat: 43.6047, lon: 1.4442, spread: 0.2 },
  { name: 'Montpellier', lat: 43.6108, lon: 3.8767, spread: 0.08 },
  { name: 'Marseille', lat: 43.2965, lon: 5.3698, spread: 0.06 },
  { name: 'Avignon', lat: 43.9493, lon: 4.8055, spread: 0.12 },
  { name: 'Lille', lat: 50.6292, lon: 3.0573, spread: 0.08 },
  { name: 'Amiens', lat: 49.8941, lon: 2.2958, spread: 0.15 },
  { name: 'Strasbourg', lat: 48.5734, lon: 7.7521, spread: 0.08 },
  { name: 'Reims', lat: 49.2583, lon: 4.0317, spread: 0.15 },
  { name: 'Nancy', lat: 48.6921, lon: 6.1844, spread: 0.15 },
  { name: 'Dijon', lat: 47.322, lon: 5.0415, spread: 0.15 },
  { name: 'Besançon', lat: 47.2378, lon: 6.0241, spread: 0.1 },
  { name: 'Orléans', lat: 47.903, lon: 1.9093, spread: 0.15 },
  { name: 'Tours', lat: 47.3941, lon: 0.6848, spread: 0.15 },
  { name: 'Nantes', lat: 47.2184, lon: -1.5536, spread: 0.1 },
  { name: 'Angers', lat: 47.4784, lon: -0.5632, spread: 0.15 },
  { name: 'Rennes', lat: 48.1173, lon: -1.6778, spread: 0.15 },
  { name: 'Brest', lat: 48.3904, lon: -4.4861, spread: 0.05 },
  { name: 'Rouen', lat: 49.4432, lon: 1.0999, spread: 0.12 },
  { name: 'Caen', lat: 49.1829, lon: -0.3707, spread: 0.08 },
  { name: 'Corte', lat: 42.3061, lon: 9.1505, spread: 0.1 },
  { name: 'Ajaccio', lat: 41.9492, lon: 8.8, spread: 0.05 },
];

export interface ForeignPlace extends Place {
  country: string;
}

/** Towns well outside the French bounding box, with the country label a partner would send. */
export const FOREIGN_TOWNS: readonly ForeignPlace[] = [
  { name: 'Madrid', country: 'Spain', lat: 40.4168, lon: -3.7038, spread: 0.2 },
  { name: 'Berlin', country: 'Germany', lat: 52.52, lon: 13.405, spread: 0.2 },
  { name: 'Rome', country: 'Italy', lat: 41.9028, lon: 12.4964, spread: 0.2 },
  { name: 'London', country: 'United Kingdom', lat: 51.5074, lon: -0.1278, spread: 0.1 },
  { name: 'Warsaw', country: 'Poland', lat: 52.2297, lon: 21.0122, spread: 0.2 },
  { name: 'New York', country: 'United States', lat: 40.7128, lon: -74.006, spread: 0.2 },
  { name: 'Montreal', country: 'Canada', lat: 45.5017, lon: -73.5673, spread: 0.2 },
  { name: 'São Paulo', country: 'Brazil', lat: -23.5505, lon: -46.6333, spread: 0.3 },
  { name: 'Dakar', country: 'Senegal', lat: 14.7167, lon: -17.4677, spread: 0.1 },
  { name: 'Cairo', country: 'Egypt', lat: 30.0444, lon: 31.2357, spread: 0.2 },
  { name: 'Mumbai', country: 'India', lat: 19.076, lon: 72.8777, spread: 0.2 },
  { name: 'Tokyo', country: 'Japan', lat: 35.6762, lon: 139.6503, spread: 0.2 },
  { name: 'Sydney', country: 'Australia', lat: -33.8688, lon: 151.2093, spread: 0.2 },
  { name: 'Reykjavik', country: 'Iceland', lat: 64.1466, lon: -21.9426, spread: 0.1 },
];

/** Labels used when a French point is mislabelled (neighbouring countries, the usual mix-up). */
export const NEIGHBOUR_COUNTRIES: readonly string[] = ['Belgium', 'Germany', 'Switzerland', 'Italy', 'Spain'];

export function insideFranceBbox(lat: number, lon: number): boolean {
  return (
    lat >= FRANCE_BBOX.minLat &&
    lat <= FRANCE_BBOX.maxLat &&
    lon >= FRANCE_BBOX.minLon &&
    lon <= FRANCE_BBOX.maxLon
  );
}
