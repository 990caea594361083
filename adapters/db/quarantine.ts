/** Reading the quarantine back: one example of each reason, for the run's messages. */
import type { Knex } from 'knex';
import { rawRows } from './rawRows';

/**
 * For each of `codes`, the message of one record of the hour's live batches quarantined with it
 * (the first quarantined): `{code: message}`. Codes with no such record are left out.
 */
export async function rejectionExamples(
  db: Knex,
  importHour: Date,
  codes: readonly string[],
): Promise<Record<string, string>> {
  if (codes.length === 0) return {};
  const rows = await rawRows<{ code: string; message: string }>(
    db,
    `SELECT DISTINCT ON (r->>'code') r->>'code' AS code, r->>'message' AS message
       FROM quarantine q
       JOIN fetch_batches b ON b.batch_id = q.batch_id AND b.superseded_at IS NULL
       CROSS JOIN LATERAL jsonb_array_elements(q.reasons) AS r
      WHERE q.import_hour = ? AND r->>'code' IN (${codes.map(() => '?').join(', ')})
      ORDER BY r->>'code', q.quarantine_id`,
    [importHour, ...codes],
  );
  return Object.fromEntries(rows.map((row) => [row.code, row.message]));
}
