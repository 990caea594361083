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
import { DatabaseError } from '../../core/errors';

// bigint ids (bigserial) as numbers: they stay far below 2^53 here, and the code compares them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DatabaseTarget {
  url: string | undefined;
  pgliteDir: string;
  /** PostgreSQL: time to open a connection (ms); default 10 s. */
  connectTimeoutMs?: number;
  /** PostgreSQL: time for one statement (ms), server- and client-side; default 5 min. */
  statementTimeoutMs?: number;
}

/** `pgliteDir: ':memory:'` gives a throwaway in-memory database (tests). */
export function createDatabase(target: DatabaseTarget): Knex {
  if (target.url !== undefined) {
    const connectTimeoutMs = target.connectTimeoutMs ?? 10_000;
    const statementTimeoutMs = target.statementTimeoutMs ?? 300_000;
    return knexFactory({
      client: 'pg',
      // A port that accepts and never answers must fail, not hang: pg gives up connecting after
      // connectionTimeoutMillis, the server ends a statement after statement_timeout, and the client
      // stops waiting shortly after (query_timeout) when the server itself went silent.
      connection: {
        connectionString: target.url,
        connectionTimeoutMillis: connectTimeoutMs,
        statement_timeout: statementTimeoutMs,
        query_timeout: statementTimeoutMs + 5_000,
      },
      pool: { min: 0, max: 10, createTimeoutMillis: connectTimeoutMs + 1_000 },
      acquireConnectionTimeout: connectTimeoutMs + 2_000,
    });
  }
  const inMemory = target.pgliteDir === ':memory:';
  if (!inMemory) fs.mkdirSync(target.pgliteDir, { recursive: true });
  return knexFactory({
    client: ClientPgLite,
    dialect: 'postgres',
    connection: inMemory ? {} : { filename: target.pgliteDir },
  });
}

/**
 * Key of the session-level advisory lock taken around the migrations (any fixed bigint; this one
 * spells "tempmigr" in ASCII). knex's own lock lives in a table it must first create, and two
 * first starts race on that creation (`relation "knex_migrations" already exists`).
 */
export const MIGRATION_LOCK_KEY = '8387230210686805874';

/**
 * Applies the pending migrations; answers their names. On PostgreSQL the whole run holds a
 * PostgreSQL advisory lock on one connection of the pool, so workers started at once on an empty
 * database migrate one after another: the first applies, the others wait, then find nothing to do.
 * PGlite is one process's own database: no lock needed.
 */
export async function migrateToLatest(db: Knex): Promise<string[]> {
  const latest = async (): Promise<string[]> => {
    const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
    return applied;
  };
  const client = db.client as {
    config: { client?: unknown };
    acquireConnection(): Promise<unknown>;
    releaseConnection(connection: unknown): Promise<void>;
  };
  if (client.config.client !== 'pg') return latest();
  const connection = await client.acquireConnection();
  try {
    await db.raw('SELECT pg_advisory_lock(?::bigint)', [MIGRATION_LOCK_KEY]).connection(connection);
    try {
      return await latest();
    } finally {
      await db.raw('SELECT pg_advisory_unlock(?::bigint)', [MIGRATION_LOCK_KEY]).connection(connection);
    }
  } finally {
    await client.releaseConnection(connection);
  }
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

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
  '57P01', // admin_shutdown: the server is restarting
  '57P03', // cannot_connect_now
  '08006', // connection_failure
  '08001', // sqlclient_unable_to_establish_sqlconnection
]);

/**
 * True for errors that say the database could not be reached or dropped us (not errors about the
 * statement): pg's network codes, its connect timeout, and knex's pool timeouts.
 */
export function isConnectionFailure(error: unknown): boolean {
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
  };
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  const text = typeof message === 'string' ? message : '';
  return /timeout expired|Connection terminated|connect ECONNREFUSED|Timeout acquiring a connection|operation timed out for an unknown reason|Client has encountered a connection error/i.test(
    text,
  );
}

/** An error raised by the database or its driver (a SQLSTATE, or a connection failure). */
export function isDatabaseDriverError(error: unknown): boolean {
  if (isConnectionFailure(error)) return true;
  const { code, severity } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    severity?: unknown;
  };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/** knex prefixes the driver's message with the whole SQL statement: keep the driver's part. */
function driverMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const { code } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown };
  const cut = message.lastIndexOf(' - ');
  const sqlPrefixed = cut > 0 && /^\s*(insert|update|delete|select|with|create|alter|drop)\b/i.test(message);
  const text = sqlPrefixed ? message.slice(cut + 3) : message;
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}

/**
 * The database error as a DatabaseError naming the target (never the URL: it may hold a password)
 * and the settings to check. `doing` says what we were doing ("landing partner-api's batch").
 */
export function databaseFailure(error: unknown, target: DatabaseTarget, doing: string): DatabaseError {
  const message = driverMessage(error);
  const connection = isConnectionFailure(error);
  const detail = /timeout expired|operation timed out|Timeout acquiring/i.test(message)
    ? `no answer within ${target.connectTimeoutMs ?? 10_000} ms (DATABASE_CONNECT_TIMEOUT_MS): ${message}`
    : message;
  return new DatabaseError(
    connection
      ? `database unreachable while ${doing}: ${describeTarget(target)}: ${detail}; check DATABASE_URL and that the server is up`
      : `database error while ${doing}: ${message}`,
    { retryable: true, retryAfterMs: connection ? 15_000 : undefined, cause: undefined },
  );
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
