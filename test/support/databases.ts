/**
 * Fresh databases for tests: a new PostgreSQL database on the machine's server per test file
 * (TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) or an in-memory PGlite.
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { createDatabase, migrateToLatest } from '../../adapters/db/connection';

export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  kind: 'postgres' | 'pglite';
  db: Knex;
  /** The URL of the test database (postgres only), for code that opens its own connection. */
  url: string | undefined;
  drop(): Promise<void>;
}

export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `tp_test_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: ADMIN_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = createDatabase({ url: url.toString(), pgliteDir: '' });
  return {
    kind: 'postgres',
    db,
    url: url.toString(),
    drop: async () => {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

export function createPgliteDatabase(): Promise<TestDatabase> {
  const db = createDatabase({ url: undefined, pgliteDir: ':memory:' });
  return Promise.resolve({ kind: 'pglite', db, url: undefined, drop: () => db.destroy() });
}

export const DATABASE_KINDS: [string, () => Promise<TestDatabase>][] = [
  ['PostgreSQL', createPostgresDatabase],
  ['PGlite', createPgliteDatabase],
];

export async function createMigratedDatabase(factory: () => Promise<TestDatabase>): Promise<TestDatabase> {
  const database = await factory();
  await migrateToLatest(database.db);
  return database;
}
