/** Small GeoJSON region files for geometry tests: squares, a bow-tie, overlaps. Positions are [lon, lat]. */
type Ring = [number, number][];

export function square(west: number, south: number, size: number): Ring {
  return [
    [west, south],
    [west + size, south],
    [west + size, south + size],
    [west, south + size],
    [west, south],
  ];
}

/** A ring whose edges cross at (west + size/2, south + size/2): a bow-tie. */
export function bowTie(west: number, south: number, size: number): Ring {
  return [
    [west, south],
    [west + size, south + size],
    [west + size, south],
    [west, south + size],
    [west, south],
  ];
}

export function regionFile(rings: { code: string; name: string; ring: Ring }[]): object {
  return {
    type: 'FeatureCollection',
    features: rings.map(({ code, name, ring }) => ({
      type: 'Feature',
      properties: { code, nom: name },
      geometry: { type: 'Polygon', coordinates: [ring] },
    })),
  };
}
