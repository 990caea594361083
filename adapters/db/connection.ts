/**
 * One way to get a database for the whole program: PostgreSQL through `pg` when DATABASE_URL is set,
 * else an embedded PostgreSQL (PGlite) persisted in a project folder, so the demo needs no server.
 * The same migrations and SQL run on both.
 */
import fs from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import { migrationSource } from '../../migrations';

// bigint ids (bigserial) as numbers: they stay far below 2^53 here, and the code compares them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DatabaseTarget {
  url: string | undefined;
  pgliteDir: string;
}

/** `pgliteDir: ':memory:'` gives a throwaway in-memory database (tests). */
export function createDatabase(target: DatabaseTarget): Knex {
  if (target.url !== undefined) {
    return knexFactory({ client: 'pg', connection: target.url, pool: { min: 0, max: 10 } });
  }
  const inMemory = target.pgliteDir === ':memory:';
  if (!inMemory) fs.mkdirSync(target.pgliteDir, { recursive: true });
  return knexFactory({
    client: ClientPgLite,
    dialect: 'postgres',
    connection: inMemory ? {} : { filename: target.pgliteDir },
  });
}

export async function migrateToLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

export async function migrateDownAll(db: Knex): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback({ migrationSource }, true)) as [number, string[]];
  return reverted;
}

/** Which kind of database a target selects, for messages (never prints the URL: it may hold a password). */
export function describeTarget(target: DatabaseTarget): string {
  if (target.url === undefined) return `embedded PGlite at ${target.pgliteDir}`;
  const url = new URL(target.url);
  return `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

/**
 * How many rows an update or delete touched. The pg client answers a number; knex-pglite answers
 * PGlite's result object. Every update/delete count goes through here so both agree.
 */
export function affectedRows(result: unknown): number {
  if (typeof result === 'number') return result;
  const counted = result as { affectedRows?: number; rowCount?: number } | null;
  return counted?.affectedRows ?? counted?.rowCount ?? 0;
}
