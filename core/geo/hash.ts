/**
 * The content hash stored with every import, so each region number can be traced to the polygons
 * that produced it. It hashes what the polygon test sees, not the file's bytes: re-indenting the
 * file, reordering features or properties, or writing a one-part MultiPolygon as a Polygon keeps
 * the hash; changing a code, a name or any coordinate changes it.
 *
 * Canonical form (version tag `regions-v1`), fed to sha256 in this order:
 *   the tag; the region count; then per region in code order: code, name, polygon count, and per
 *   polygon its ring count and per ring its position count followed by each lon, lat as IEEE-754
 *   float64 little-endian. Strings are UTF-8 prefixed by their byte length; counts are uint32 LE.
 */
import { createHash } from 'node:crypto';
import type { Region, RegionShape } from './types';

const VERSION_TAG = 'regions-v1';

export function regionsHash(regions: readonly Region[], shapes: readonly RegionShape[]): string {
  const hash = createHash('sha256');
  const writeCount = (n: number): void => {
    const bytes = new DataView(new ArrayBuffer(4));
    bytes.setUint32(0, n, true);
    hash.update(new Uint8Array(bytes.buffer));
  };
  const writeText = (text: string): void => {
    const bytes = Buffer.from(text, 'utf8');
    writeCount(bytes.length);
    hash.update(bytes);
  };

  writeText(VERSION_TAG);
  writeCount(regions.length);
  regions.forEach((region, n) => {
    writeText(region.code);
    writeText(region.name);
    const polygons = shapes[n]?.polygons ?? [];
    writeCount(polygons.length);
    for (const polygon of polygons) {
      writeCount(polygon.length);
      for (const ring of polygon) {
        writeCount(ring.length);
        const coordinates = new DataView(new ArrayBuffer(ring.length * 16));
        ring.forEach(([lon, lat], i) => {
          coordinates.setFloat64(i * 16, lon, true);
          coordinates.setFloat64(i * 16 + 8, lat, true);
        });
        hash.update(new Uint8Array(coordinates.buffer));
      }
    }
  });
  return hash.digest('hex');
}
