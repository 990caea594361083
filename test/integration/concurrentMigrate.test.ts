/**
 * Issue 25, fault "six first starts on an empty database at once": six real `tempctl migrate`
 * processes started together on one empty PostgreSQL database all succeed, the schema is applied
 * once, and the advisory lock is free afterwards.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIGRATION_LOCK_KEY } from '../../adapters/db/connection';
import { migrationSource } from '../../migrations';
import { createPostgresDatabase, type TestDatabase } from '../support/databases';

const TEMPCTL = path.join(__dirname, '../../bin/tempctl.js');

function migrate(url: string, dataDir: string) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [TEMPCTL, 'migrate'], {
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '', DATABASE_URL: url, DATA_DIR: dataDir },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('concurrent first starts', () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createPostgresDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-migrate-'));
  });
  afterAll(async () => {
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('six `tempctl migrate` at once on an empty database all succeed, and the schema is applied once', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => migrate(database.url as string, dataDir)),
    );
    for (const result of results)
      expect({ code: result.code, output: result.output }).toMatchObject({ code: 0 });
    const names = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
    // One process applied every migration; the five others waited for the lock and found none to apply.
    const applying = results.filter((r) => r.output.includes('applied '));
    expect(applying).toHaveLength(1);
    for (const name of names) expect(applying[0]?.output).toContain(name);
    expect(results.filter((r) => r.output.includes('up to date'))).toHaveLength(5);
    const rows = (await database.db('knex_migrations').select('name').orderBy('id')) as { name: string }[];
    expect(rows.map((r) => r.name)).toEqual(names);
    const held: { rows: { n: number }[] } = await database.db.raw(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND ((classid::bigint << 32) | objid::bigint) = ?::bigint`,
      [MIGRATION_LOCK_KEY],
    );
    expect(held.rows[0]?.n).toBe(0);
  });
});
