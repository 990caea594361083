import type { Knex } from 'knex';

/** The rows of a raw query, typed by the caller (pg and knex-pglite both answer `{ rows }`). */
export async function rawRows<T>(
  db: Knex | Knex.Transaction,
  sql: string,
  bindings: readonly Knex.RawBinding[] = [],
): Promise<T[]> {
  const result = (await db.raw(sql, bindings)) as { rows: T[] };
  return result.rows;
}
