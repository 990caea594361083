/**
 * Object keys of the landing store, and the bucket of a reading. Deterministic: the same batch
 * gives the same keys on every attempt, so a retry finds (or rewrites identically) what an earlier
 * attempt stored. A key ends with a prefix of its content's sha256: bytes that differ (a retry
 * that saw other known versions) get another key instead of clashing with the first.
 * Layout (docs/scaling.md §3.1):
 *   raw/source=<s>/import_hour=<h>/<batch>-<sha12>.json
 *   raw/source=<s>/import_hour=<h>/<batch>-incoming-<id>.json   (an answer copied as it downloaded)
 *   landing/source=<s>/import_hour=<h>/belongs_to=<h>/bucket=<b>/<batch>-<sha12>.parquet
 *   landing/source=<s>/import_hour=<h>/belongs_to=earlier/bucket=<b>/<batch>-<sha12>.parquet   (corrections, CORRECTIONS)
 *   versions/source=<s>/import_hour=<h>/<batch>-<sha12>.run   (the batch's version run, core/versionRun.ts)
 */
import { formatHour } from './importHour';

/** A batch key as a key segment: safe characters only, plus a short hash so no two keys collide. */
export function batchSegment(batchKey: string, keyHash: string): string {
  const readable = batchKey.replace(/[^A-Za-z0-9_.=+,@~-]+/g, '_').slice(0, 80);
  return `${readable.replace(/^[._]+/, '')}~${keyHash.slice(0, 12)}`;
}

/** An hour as a key segment (`2026-11-27T14-00-00Z`). */
export function hourSegment(hour: Date): string {
  return formatHour(hour).replace(/:/g, '-');
}

export function rawBodyKey(source: string, importHour: Date, batch: string, sha256: string): string {
  return `raw/source=${source}/import_hour=${hourSegment(importHour)}/${batch}-${sha256.slice(0, 12)}.json`;
}

/**
 * Where a pull's answer is copied as it downloads (adapters/landing/incoming.ts): under `raw/` and
 * the hour's prefix like any answer (backed up and housekept with them), but keyed by the download
 * (`id`, new for each) since its sha256 is known only at the end. Its record in `raw_bodies` says
 * its sha256 and size; an object without a record is no answer a retry may land.
 */
export function incomingBodyKey(source: string, importHour: Date, batch: string, id: string): string {
  return `raw/source=${source}/import_hour=${hourSegment(importHour)}/${batch}-incoming-${id}.json`;
}

/**
 * Where a part fetched by one activity keeps the parts it revealed (a cursor page's successor),
 * for a retry that finds the part stored (activities/parts.ts). Not under `raw/`: not an answer.
 */
export function nextPartsKey(source: string, importHour: Date, batch: string): string {
  return `parts/source=${source}/import_hour=${hourSegment(importHour)}/${batch}.next.json`;
}

/**
 * Whether a raw answer's key (rawBodyKey) belongs to an import hour, as the source, the batch and
 * the checksum vary: how an hour's backup finds every answer stored for it, landed or not yet.
 */
export function isRawBodyKeyOf(key: string, importHour: Date): boolean {
  const [raw, source, hour] = key.split('/');
  return (
    raw === 'raw' &&
    source?.startsWith('source=') === true &&
    hour === `import_hour=${hourSegment(importHour)}`
  );
}

/**
 * The hour of a landed file that holds a batch's corrections of earlier hours in one bucket,
 * whatever hours they belong to: one object per bucket instead of one per (corrected hour, bucket),
 * recorded in `landed_files` once per (hour, bucket) it holds (migrations/009_correction_files.ts).
 * Readers keep the rows of their hour and bucket.
 */
export const CORRECTIONS = 'earlier';

export function landedFileKey(
  f: { source: string; importHour: Date; belongsToHour: Date | typeof CORRECTIONS; bucket: number },
  batch: string,
  sha256: string,
): string {
  const belongs = f.belongsToHour === CORRECTIONS ? CORRECTIONS : hourSegment(f.belongsToHour);
  return (
    `landing/source=${f.source}/import_hour=${hourSegment(f.importHour)}/belongs_to=${belongs}` +
    `/bucket=${String(f.bucket).padStart(3, '0')}/${batch}-${sha256.slice(0, 12)}.parquet`
  );
}

export function versionRunKey(source: string, importHour: Date, batch: string, sha256: string): string {
  return `versions/source=${source}/import_hour=${hourSegment(importHour)}/${batch}-${sha256.slice(0, 12)}.run`;
}

/**
 * The bucket of a reading seen for the first time, as a SQL expression over columns `source` and
 * `reading_id` and an integer expression for the bucket count: DuckDB's `hash()` modulo N.
 * Later versions of the reading do not hash again: they inherit the bucket stored with their first
 * version (adapters/analytics/landing.ts), so all versions share a bucket even if a future DuckDB
 * hashed differently. (md5 was measured 3× slower on a million ids.)
 */
export function bucketSql(bucketCount: string): string {
  return `CAST(hash(source, reading_id) % CAST(${bucketCount} AS UBIGINT) AS INTEGER)`;
}

/**
 * Each landed object once, in first-seen order: a file of corrections (CORRECTIONS) is recorded
 * once per (hour, bucket) it holds, but is read, copied and backed up once.
 */
export function oncePerObject<T extends { key: string }>(objects: readonly T[]): T[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    if (seen.has(o.key)) return false;
    seen.add(o.key);
    return true;
  });
}
