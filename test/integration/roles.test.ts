/**
 * Least-privilege roles on the machine's PostgreSQL: the analyst reads the table, the view and the
 * ledger and cannot write or read the landing zone; the worker writes what an import writes and
 * cannot drop, truncate, create, or rewrite the landed readings; the migrate role owns the schema.
 * (The worker role running a whole import is test/integration/operations.test.ts.)
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { applyRoles, type RoleNames } from '../../adapters/db/roles';
import { Secret } from '../../config/secret';
import {
  ADMIN_URL,
  createMigratedDatabase,
  createPostgresDatabase,
  type TestDatabase,
} from '../support/databases';

const suffix = randomBytes(4).toString('hex');
const roles: RoleNames = {
  migrate: `tp_migrate_${suffix}`,
  worker: `tp_worker_${suffix}`,
  analyst: `tp_analyst_${suffix}`,
};
const passwords = { migrate: `m-${suffix}-pw`, worker: `w-${suffix}-pw`, analyst: `a-${suffix}-pw` };

let database: TestDatabase;
const connections: Knex[] = [];

function connectAs(kind: keyof RoleNames): Knex {
  const url = new URL(database.url ?? '');
  url.username = roles[kind];
  url.password = passwords[kind];
  const db = knexFactory({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 } });
  connections.push(db);
  return db;
}

const HOUR = new Date('2026-11-27T14:00:00Z');

beforeAll(async () => {
  database = await createMigratedDatabase(createPostgresDatabase);
  const secrets = {
    migrate: new Secret(passwords.migrate),
    worker: new Secret(passwords.worker),
    analyst: new Secret(passwords.analyst),
  };
  await applyRoles(database.db, secrets, roles);
  // Idempotent: a second run changes nothing and does not fail.
  const again = await applyRoles(database.db, secrets, roles);
  expect(again.slice(0, 3)).toEqual([
    `kept role ${roles.migrate} (login, password set)`,
    `kept role ${roles.worker} (login, password set)`,
    `kept role ${roles.analyst} (login, password set)`,
  ]);
  await database
    .db('region_hourly_temperature')
    .insert({ hour: HOUR, region: 'Bretagne', temperature: 11.5, numberOfPoints: 3 });
});

afterAll(async () => {
  for (const db of connections) await db.destroy();
  await database.drop();
  const admin = knexFactory({ client: 'pg', connection: ADMIN_URL, pool: { min: 0, max: 1 } });
  for (const role of Object.values(roles)) await admin.raw(`DROP ROLE IF EXISTS "${role}"`);
  await admin.destroy();
});

describe('analyst', () => {
  test('reads the table, the 3-hours-before view and the run ledger', async () => {
    const analyst = connectAs('analyst');
    expect(await analyst('region_hourly_temperature').select('region', 'temperature')).toEqual([
      { region: 'Bretagne', temperature: 11.5 },
    ]);
    expect(await analyst('region_temperature_3h_before').count({ n: '*' })).toEqual([{ n: 1 }]);
    expect(await analyst('import_runs').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  test('cannot write, nor read the landing zone', async () => {
    const analyst = connectAs('analyst');
    await expect(
      analyst('region_hourly_temperature').insert({
        hour: HOUR,
        region: 'Corse',
        temperature: 1,
        numberOfPoints: 1,
      }),
    ).rejects.toThrow(/permission denied for table region_hourly_temperature/);
    await expect(analyst('region_hourly_temperature').update({ temperature: 0 })).rejects.toThrow(
      /permission denied/,
    );
    await expect(analyst('region_hourly_temperature').delete()).rejects.toThrow(/permission denied/);
    await expect(analyst('readings').select('*')).rejects.toThrow(/permission denied for table readings/);
    await expect(analyst.raw('CREATE TABLE mine (x int)')).rejects.toThrow(/permission denied for schema/);
  });
});

describe('worker', () => {
  test('writes what an import writes', async () => {
    const worker = connectAs('worker');
    await worker('region_hourly_temperature')
      .insert({ hour: HOUR, region: 'Normandie', temperature: 9, numberOfPoints: 2 })
      .onConflict(['hour', 'region'])
      .merge(['temperature', 'numberOfPoints']);
    await worker('region_hourly_temperature').where({ hour: HOUR, region: 'Normandie' }).delete();
    const [batch] = (await worker('fetch_batches')
      .insert({
        import_hour: HOUR,
        source: 'partner-api',
        batch_key: 'k',
        run_id: 'r',
        fetched_at: HOUR,
        record_count: 0,
      })
      .returning('batch_id')) as { batch_id: number }[];
    expect(batch?.batch_id).toBeGreaterThan(0);
    await worker('fetch_batches').where('batch_key', 'k').update({ superseded_at: HOUR });
  });

  test('cannot drop, truncate, create tables, or rewrite landed readings and the quarantine', async () => {
    const worker = connectAs('worker');
    await expect(worker.raw('DROP TABLE region_hourly_temperature')).rejects.toThrow(/must be owner/);
    await expect(worker.raw('DROP TABLE readings')).rejects.toThrow(/must be owner/);
    await expect(worker.raw('TRUNCATE region_hourly_temperature')).rejects.toThrow(/permission denied/);
    await expect(worker.raw('CREATE TABLE mine (x int)')).rejects.toThrow(/permission denied for schema/);
    await expect(worker('readings').delete()).rejects.toThrow(/permission denied for table readings/);
    await expect(worker('readings').update({ temperature: 0 })).rejects.toThrow(/permission denied/);
    await expect(worker('quarantine').delete()).rejects.toThrow(/permission denied for table quarantine/);
    await expect(worker('import_runs').delete()).rejects.toThrow(/permission denied for table import_runs/);
  });
});

test('the migrate role owns the schema: it can alter what it owns', async () => {
  const migrate = connectAs('migrate');
  await migrate.raw('ALTER TABLE region_hourly_temperature ADD COLUMN scratch int');
  await migrate.raw('ALTER TABLE region_hourly_temperature DROP COLUMN scratch');
  await migrate.raw('CREATE TABLE scratch (x int)');
  await migrate.raw('DROP TABLE scratch');
});
