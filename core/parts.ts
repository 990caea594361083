/**
 * An hour a source delivers in parts (issue 27): the parts' references, which travel through the
 * workflow's history (an id and a locator, never readings), and the checks that tell a complete
 * hour from a page chain or a listing that lost or repeated a part. Pure: no I/O.
 *
 * Completeness, by kind of source (docs/scaling.md §2.5):
 * - a paged API: every page carries its number and the number of pages (`X-Page`,
 *   `X-Total-Pages`); pages must come as 1, 2, … T, the last without a next link;
 * - an object-store drop: a manifest object, written last, lists every part with its size and
 *   sha256; the hour is complete when the manifest is there and every part it lists is too.
 */

/** PARTS_CONCURRENCY's default: parts of a source's hour landed at once. */
export const DEFAULT_PARTS_CONCURRENCY = 16;

/** One part of an hour, as the workflow hands it to the activity that lands it. */
export interface PartRef {
  /** Unique within the source and hour, in the batch key: `page-000003`, `part-0007.json`. */
  id: string;
  /** What fetching the part needs: a page cursor or number, an object key, a file name. */
  locator: string;
  /**
   * True when the parts after this one are known only once it is fetched (a cursor page, the
   * first page of a page-number API): the workflow fetches it before landing it.
   */
  chain?: boolean;
  /** A page's number (1-based). */
  page?: number;
  /**
   * How many parts the hour has, when known (the page count page 1 announced, the manifest's):
   * a new hour's buckets are sized for all of them, not for the first part landed.
   */
  of?: number;
  /** The batch key of a part keyed by its content (an object, a file); absent for a pull source's page. */
  key?: string;
  /** As announced (a manifest): checked when the part is fetched. */
  bytes?: number;
  sha256?: string;
}

/** The hour's parts as far as they are known, and what the listing saw but does not land. */
export interface PartListing {
  parts: PartRef[];
  /** Objects or files seen that are not parts of the hour (not in its manifest), with why. */
  ignored: string[];
  warnings: string[];
}

/** A part's batch key within a pull source's hour (`pull:<hour>` + `#page-000003`). */
export function pagePartKey(pullKey: string, part: PartRef): string {
  return `${pullKey}#${part.id}`;
}

/** `page-000003`: sorts in page order, as a key segment and in listings. */
export function pageId(page: number): string {
  return `page-${String(page).padStart(6, '0')}`;
}

/** What a page of a paged API said about its place in the answer. */
export interface PageHeader {
  /** The page's number as the partner stated it (1-based). */
  page: number;
  /** The number of pages in the answer, as that page stated it. */
  totalPages: number;
  /** Whether the page links to a next one (a `next` link or cursor). */
  hasNext: boolean;
}

/**
 * Why page `expected` of `totalPages` (the count page 1 announced) is not what was answered, or
 * null when it is: a repeated or a skipped page, a changed page count, a chain that ends early
 * or goes past its last page.
 */
export function pageProblem(expected: number, totalPages: number, got: PageHeader): string | null {
  if (!Number.isInteger(got.page) || !Number.isInteger(got.totalPages) || got.totalPages < 1)
    return `page ${expected} came without a page number and a page count (X-Page, X-Total-Pages)`;
  if (got.page < expected)
    return `page ${got.page} was answered again where page ${expected} was due (a repeated page)`;
  if (got.page > expected)
    return `page ${got.page} was answered where page ${expected} was due: ${describeRange(expected, got.page - 1)} missing`;
  if (got.totalPages !== totalPages)
    return `page ${got.page} says the answer has ${got.totalPages} pages where page 1 said ${totalPages}`;
  if (!got.hasNext && got.page < totalPages)
    return `page ${got.page} of ${totalPages} has no next link: ${describeRange(got.page + 1, totalPages)} missing`;
  if (got.hasNext && got.page >= totalPages)
    return `page ${got.page} of ${totalPages} links to a next page: more pages than announced`;
  return null;
}

function describeRange(from: number, to: number): string {
  return from === to ? `page ${from} is` : `pages ${from}–${to} are`;
}

/** The manifest's file name under an hour's prefix. */
export const MANIFEST_NAME = '_manifest.json';

/** One part as the manifest lists it. */
export interface ManifestPart {
  /** The object's name under the hour's prefix. */
  name: string;
  bytes: number;
  /** Lower-case hex. */
  sha256: string;
}

/**
 * The manifest's parts, from its text: `{"parts": [{"name", "bytes", "sha256"}, …]}`. Throws an
 * Error saying what is wrong (not JSON, no parts array, a part without a name, size or sha256, a
 * name listed twice).
 */
export function parseManifest(text: string): ManifestPart[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('is not JSON');
  }
  const parts = (parsed as { parts?: unknown } | null)?.parts;
  if (!Array.isArray(parts)) throw new Error('has no "parts" array');
  const seen = new Set<string>();
  return parts.map((part: unknown, i) => {
    const { name, bytes, sha256 } = (part ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || name === '' || name.includes('/') || name === MANIFEST_NAME)
      throw new Error(`part ${i + 1} has no valid "name" (a file name under the hour's prefix)`);
    if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 0)
      throw new Error(`part ${name} has no valid "bytes"`);
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))
      throw new Error(`part ${name} has no valid "sha256" (64 lower-case hex digits)`);
    if (seen.has(name)) throw new Error(`part ${name} is listed twice`);
    seen.add(name);
    return { name, bytes, sha256 };
  });
}

/** How a listing of an hour's prefix compares with its manifest. */
export interface ListingCheck {
  /** Listed by the manifest, absent from the prefix. */
  missing: string[];
  /** Present with another size than the manifest's: `name (N bytes, manifest says M)`. */
  wrongSize: string[];
  /** Present but not in the manifest: not parts of the hour, never landed. */
  unlisted: string[];
}

export function checkListing(
  manifest: readonly ManifestPart[],
  listed: readonly { name: string; bytes: number }[],
): ListingCheck {
  const present = new Map(listed.map((object) => [object.name, object.bytes]));
  const named = new Set(manifest.map((part) => part.name));
  const missing: string[] = [];
  const wrongSize: string[] = [];
  for (const part of manifest) {
    const bytes = present.get(part.name);
    if (bytes === undefined) missing.push(part.name);
    else if (bytes !== part.bytes)
      wrongSize.push(`${part.name} (${bytes} bytes, manifest says ${part.bytes})`);
  }
  const unlisted = listed
    .map((object) => object.name)
    .filter((name) => name !== MANIFEST_NAME && !named.has(name));
  return { missing, wrongSize, unlisted };
}
