import { createHash } from 'node:crypto';
import type { Reading } from './reading';

/**
 * A reading's identity of content: two records with the same id and hash are the same reading sent
 * twice (a duplicate); the same id with another hash is a new version (a correction).
 */
export function readingContentHash(reading: Reading): string {
  const canonical = JSON.stringify([
    reading.id,
    reading.timestamp,
    reading.lat,
    reading.lon,
    reading.temperature,
    reading.country,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}
