/** What several commands share: a database for one piece of work (Temporal clients: `client/`). */
import type { Knex } from 'knex';
import { loadConfig } from '../config';
import { createDatabase } from '../adapters/db/connection';

/** Opens the configured database, runs `work`, and closes it whether `work` succeeds or throws. */
export async function withDatabase<T>(work: (db: Knex) => Promise<T>): Promise<T> {
  const db = createDatabase(loadConfig().database);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}
