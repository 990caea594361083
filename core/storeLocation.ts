/**
 * Where an object store lives, read from a setting (LANDING_STORE_URL, BACKUP_DIR): a folder (a
 * plain path or `file:///abs/path`) or an S3 bucket with an optional key prefix (`s3://bucket/prefix`).
 * Also the one rule for object keys that every store enforces. Pure: config and adapters share it.
 */

export type StoreLocation =
  | { kind: 'folder'; path: string }
  | { kind: 's3'; bucket: string; /** '' or ending in '/' */ prefix: string };

/**
 * S3 bucket names: 3–63 lower-case letters, digits, dots and hyphens, starting and ending with a
 * letter or digit (source: AWS S3 "Bucket naming rules"; SeaweedFS accepts the same).
 */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses a store location. A plain path is returned as given (the caller resolves it against its
 * base folder). Throws a RangeError saying what is wrong; the value holds no secret, so it is echoed.
 */
export function parseStoreLocation(text: string): StoreLocation {
  const value = text.trim();
  if (value === '') throw new RangeError('is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'folder', path: value };
  if (scheme === 'file') {
    const url = new URL(value);
    if (url.host !== '') throw new RangeError(`${value}: a file:// URL names a local folder, no host`);
    return { kind: 'folder', path: decodeURIComponent(url.pathname) };
  }
  if (scheme !== 's3') throw new RangeError(`${value}: expected a folder, file:///… or s3://bucket/prefix`);
  const rest = value.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (!BUCKET.test(bucket)) {
    throw new RangeError(
      `${value}: "${bucket}" is not a bucket name (3-63 lower-case letters, digits, dots, hyphens)`,
    );
  }
  if (prefix !== '') checkObjectKey(prefix);
  return { kind: 's3', bucket, prefix: prefix === '' ? '' : `${prefix}/` };
}

/** The location as a URL for messages: never holds credentials (they are separate settings). */
export function formatStoreLocation(location: StoreLocation): string {
  return location.kind === 's3'
    ? `s3://${location.bucket}/${location.prefix}`
    : `file://${encodeURI(location.path)}`;
}

/**
 * Characters a key may hold: S3's "safe characters" (letters, digits, `!-_.*'()`) plus `=:+,@~`,
 * which our keys use (`import_hour=2026-11-27T14:00:00Z`). ASCII only, so a key sorts the same
 * as a string, as UTF-8 bytes (S3's list order) and as a path walked folder by folder.
 */
const KEY_SEGMENT = /^[A-Za-z0-9!_*'()=:+,@~-][A-Za-z0-9!_.*'()=:+,@~-]*$/;
const MAX_KEY_BYTES = 1024; // S3's limit on a key's length (UTF-8 bytes).

/**
 * Checks an object key: a relative POSIX path of non-empty segments from the characters above,
 * none starting with "." (so no "..", "." or hidden names: a folder store keeps its temporary
 * files under `.tmp/`), at most 1,024 bytes. Throws a RangeError naming the key and the rule.
 */
export function checkObjectKey(key: string): void {
  if (key.length === 0) throw new RangeError('an object key cannot be empty');
  if (key.length > MAX_KEY_BYTES) throw new RangeError(`object key longer than ${MAX_KEY_BYTES} bytes`);
  for (const segment of key.split('/')) {
    if (!KEY_SEGMENT.test(segment)) {
      throw new RangeError(
        `object key ${JSON.stringify(key)}: each "/"-separated part must be non-empty, not start with "." ` +
          `and use only letters, digits and !-_.*'()=:+,@~ (no leading "/", "..", backslash or space)`,
      );
    }
  }
}
