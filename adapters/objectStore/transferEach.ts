/**
 * Object transfers a few at a time: each put ends with a flush to disk, whose wait the others fill.
 * Used by the landing (an hour's Parquet files into the landing store) and by backups and restores.
 */
import pLimit from 'p-limit';

/** Transfers run at once. */
const TRANSFERS_AT_ONCE = 4;
/**
 * Transfers run at once for a batch's landed files: each goes up in one PUT streamed from disk
 * (adapters/objectStore/s3.ts, SINGLE_PUT_BYTES) and holds no buffer, and most are small (a batch's
 * corrections of earlier hours land one small file per bucket: round trips, not bytes). Figures:
 * docs/scaling.md §2.
 */
export const LANDED_FILES_AT_ONCE = 16;
/** A transfer not started because another failed first. */
const SKIPPED = Symbol('skipped');

/**
 * Runs `transfer` on each item, TRANSFERS_AT_ONCE at a time (an hour's Parquet files reach the
 * backup faster than one after the other: docs/scaling.md §2.1). Results come in the
 * items' order. After a failure no further transfer starts, and the ones running are waited for
 * (the caller's scratch folder is removed next); the earliest failure is thrown. Memory: an S3
 * upload holds up to 32 MiB (adapters/objectStore/s3.ts), so four hold up to 128 MiB, reached only
 * by files over 8 MiB (a 10,000,000-reading hour's Parquet files); the answer's backup copy, which
 * runs beside a landing's four, adds one more.
 */
export async function transferEach<T, R>(
  items: readonly T[],
  transfer: (item: T) => Promise<R>,
  atOnce: number = TRANSFERS_AT_ONCE,
): Promise<R[]> {
  const limit = pLimit(atOnce);
  let failure: { error: unknown } | undefined;
  const results = await Promise.all(
    items.map((item) =>
      limit(async () => {
        if (failure) return SKIPPED;
        try {
          return await transfer(item);
        } catch (error) {
          // The earliest failure is the one reported (a damaged object, not a later timeout).
          failure ??= { error };
          return SKIPPED;
        }
      }),
    ),
  );
  if (failure) throw failure.error;
  return results as R[];
}
