/** What several commands share: a database for one piece of work (Temporal clients: `client/`). */
import type { Knex } from 'knex';
import { loadConfig } from '../config';
import { createDatabase, databaseFailure, isDatabaseDriverError } from '../adapters/db/connection';

/**
 * Opens the configured database, runs `work`, and closes it whether `work` succeeds or throws.
 * A driver failure becomes a DatabaseError naming the database and what we were `doing`.
 */
export async function withDatabase<T>(
  work: (db: Knex) => Promise<T>,
  doing = 'running the command',
): Promise<T> {
  const target = loadConfig().database;
  const db = createDatabase(target);
  try {
    return await work(db);
  } catch (error) {
    throw isDatabaseDriverError(error) ? databaseFailure(error, target, doing) : error;
  } finally {
    await db.destroy();
  }
}
