/** The one chunked-insert loop: rows go into a table a chunk at a time, inside the caller's transaction. */
import type { Knex } from 'knex';

/**
 * Rows per INSERT: each statement stays far below PostgreSQL's 65,535 bind parameters, and a
 * streamed source (a backup file) holds one chunk in memory, never the table.
 */
export const INSERT_CHUNK_ROWS = 1_000;

/** Inserts `rows` (an array, or a stream of rows) into `table`, INSERT_CHUNK_ROWS at a time; returns how many. */
export async function insertInChunks(
  db: Knex | Knex.Transaction,
  table: string,
  rows: Iterable<object> | AsyncIterable<object>,
): Promise<number> {
  let count = 0;
  let chunk: object[] = [];
  for await (const row of rows) {
    chunk.push(row);
    if (chunk.length === INSERT_CHUNK_ROWS) {
      await db(table).insert(chunk);
      count += chunk.length;
      chunk = [];
    }
  }
  if (chunk.length > 0) await db(table).insert(chunk);
  return count + chunk.length;
}
