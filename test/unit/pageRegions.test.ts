/**
 * The page draws the simplified IGN shapes but the rows carry the names of REGIONS_FILE (datanova
 * by default): the page matches them by name, so both files must name the same 13 regions.
 */
import fs from 'node:fs';
import path from 'node:path';

const DATA = path.join(__dirname, '../../data/regions');

function names(file: string, property: string): string[] {
  const collection = JSON.parse(fs.readFileSync(path.join(DATA, file), 'utf8')) as {
    features: { properties: Record<string, unknown> }[];
  };
  return collection.features.map((f) => String(f.properties[property])).sort();
}

test("the map's shapes name exactly the 13 regions the pipeline's polygons name", () => {
  const drawn = names('gregoiredavid-regions-version-simplifiee.geojson', 'nom');
  expect(drawn).toHaveLength(13);
  expect(drawn).toEqual(
    names('datanova-contours-geographiques-des-nouvelles-regions-metropole.geojson', 'region'),
  );
  expect(drawn).toEqual(names('gregoiredavid-regions.geojson', 'nom'));
});
