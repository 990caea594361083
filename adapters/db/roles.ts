/**
 * Least-privilege PostgreSQL roles (`tempctl roles apply`, run by an administrator after `migrate`;
 * idempotent):
 * - migrate: owns the schema's tables, so it alone can migrate, restore, alter or drop;
 * - worker: reads and writes what an import writes, nothing else (no DROP, TRUNCATE or DDL; the
 *   landing tables and the ledger's history are append-only except the columns an import updates);
 * - analyst: reads region_hourly_temperature, the 3-hours-before view and the run ledger.
 * A role gets LOGIN and a password when one is configured; otherwise it is a group role that login
 * users are granted (`GRANT temperature_worker TO alice`). PostgreSQL only (PGlite has one user).
 * A migration that adds a table must add it to the lists below.
 */
import type { Knex } from 'knex';
import type { Secret } from '../../config/secret';
import { rawRows } from './rawRows';

export interface RoleNames {
  migrate: string;
  worker: string;
  analyst: string;
}

export const DEFAULT_ROLE_NAMES: RoleNames = {
  migrate: 'temperature_migrate',
  worker: 'temperature_worker',
  analyst: 'temperature_analyst',
};

/** What the worker may do per table: an import's writes, and the migration check at start. */
const WORKER_PRIVILEGES: Record<string, string> = {
  import_runs: 'SELECT, INSERT, UPDATE',
  fetch_batches: 'SELECT, INSERT, UPDATE',
  // No DELETE: moving row-store readings into the landing store (the upgrade) is `tempctl migrate`'s
  // job, as the migrate role, before the workers start.
  readings: 'SELECT, INSERT',
  raw_bodies: 'SELECT, INSERT, UPDATE, DELETE',
  landed_files: 'SELECT, INSERT',
  // Recorded with its batch; `tempctl versions rebuild` runs as the migrate role.
  version_runs: 'SELECT, INSERT',
  hour_partials: 'SELECT, INSERT, UPDATE',
  // Recorded with its batch, applied and removed by planHour.
  bucket_deltas: 'SELECT, INSERT, DELETE',
  quarantine: 'SELECT, INSERT',
  reading_regions: 'SELECT, INSERT, DELETE',
  region_hourly_temperature: 'SELECT, INSERT, UPDATE, DELETE',
  // The landing and backup keys' prefix, made by the first migration; read only.
  store_identity: 'SELECT',
  // The worker runs `migrate latest` at start: reading the list and taking the lock, nothing to apply.
  knex_migrations: 'SELECT',
  knex_migrations_lock: 'SELECT, UPDATE',
};

const ANALYST_TABLES = ['region_hourly_temperature', 'region_temperature_3h_before', 'import_runs'];

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Applies the roles and grants; returns what it did, one line per statement kind, for the operator. */
export async function applyRoles(
  db: Knex,
  passwords: Partial<Record<keyof RoleNames, Secret>>,
  names: RoleNames = DEFAULT_ROLE_NAMES,
): Promise<string[]> {
  const done: string[] = [];
  await db.transaction(async (trx) => {
    for (const kind of ['migrate', 'worker', 'analyst'] as const) {
      const role = names[kind];
      const exists = (await rawRows(trx, 'SELECT 1 FROM pg_roles WHERE rolname = ?', [role])).length > 0;
      if (!exists) await trx.raw(`CREATE ROLE ${ident(role)} NOLOGIN`);
      const password = passwords[kind];
      // Utility statements take no bind parameters: the password is quoted as a literal.
      if (password) await trx.raw(`ALTER ROLE ${ident(role)} LOGIN PASSWORD ${literal(password.reveal())}`);
      done.push(`${exists ? 'kept' : 'created'} role ${role}${password ? ' (login, password set)' : ''}`);
    }

    const objects = await rawRows<{ name: string; kind: 'r' | 'v' | 'S' }>(
      trx,
      `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'S')`,
    );
    const current = (await rawRows<{ name: string }>(trx, 'SELECT current_schema() AS name'))[0]?.name;
    if (current === undefined) throw new Error('no current schema');
    const all = [names.migrate, names.worker, names.analyst].map(ident).join(', ');
    await trx.raw(`REVOKE ALL ON SCHEMA ${ident(current)} FROM ${all}`);
    await trx.raw(`GRANT USAGE, CREATE ON SCHEMA ${ident(current)} TO ${ident(names.migrate)}`);
    await trx.raw(
      `GRANT USAGE ON SCHEMA ${ident(current)} TO ${ident(names.worker)}, ${ident(names.analyst)}`,
    );

    for (const object of objects) {
      const target = `${object.kind === 'S' ? 'SEQUENCE' : 'TABLE'} ${ident(object.name)}`;
      // A serial column's sequence belongs to its table and changes owner with it.
      if (object.kind !== 'S')
        await trx.raw(
          `ALTER ${object.kind === 'v' ? 'VIEW' : 'TABLE'} ${ident(object.name)} OWNER TO ${ident(names.migrate)}`,
        );
      await trx.raw(`REVOKE ALL ON ${target} FROM ${ident(names.worker)}, ${ident(names.analyst)}`);
      if (object.kind === 'S') {
        await trx.raw(`GRANT USAGE, SELECT ON ${target} TO ${ident(names.worker)}`);
        continue;
      }
      const worker = WORKER_PRIVILEGES[object.name];
      if (worker) await trx.raw(`GRANT ${worker} ON ${target} TO ${ident(names.worker)}`);
      if (ANALYST_TABLES.includes(object.name))
        await trx.raw(`GRANT SELECT ON ${target} TO ${ident(names.analyst)}`);
    }
    done.push(
      `${names.migrate} owns ${objects.length} tables, views and sequences`,
      `${names.worker}: ${Object.keys(WORKER_PRIVILEGES).length} tables and the sequences, no DDL`,
      `${names.analyst}: SELECT on ${ANALYST_TABLES.join(', ')}`,
    );
  });
  return done;
}
