/** What the benchmarks run against: a fresh PostgreSQL database, a Temporal dev server, a scratch folder. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { startDevServer } from '../adapters/temporal/devServer';

export interface BenchServices {
  /** A scratch folder, removed at close. */
  dir: string;
  /** The server (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres). */
  admin: Knex;
  /** A database of its own on it, dropped at close. */
  dbUrl: string;
  db: Knex;
  temporal: { address: string };
  close(): Promise<void>;
}

export async function openBenchServices(name: string): Promise<BenchServices> {
  const pg = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tp-${name}-`));
  const dbName = `tp_bench_${randomBytes(4).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: pg });
  await admin.raw(`CREATE DATABASE ${dbName}`);
  const dbUrl = pg.replace(/\/[^/]*$/, `/${dbName}`);
  const db = knex({ client: 'pg', connection: dbUrl });
  const temporal = await startDevServer({});
  return {
    dir,
    admin,
    dbUrl,
    db,
    temporal,
    close: async () => {
      await temporal.stop();
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
