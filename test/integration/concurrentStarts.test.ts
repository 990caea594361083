/**
 * Issue 25, fault "six first starts on an empty database at once", with the workers themselves:
 * six real `tempctl worker` processes started together on one PostgreSQL database with no schema
 * all start (each migrates first, under the advisory lock: test/integration/concurrentMigrate.test.ts
 * shows the lock with `tempctl migrate`), then they import an hour: one partner call, rows equal to
 * an independent computation.
 */
import { startImport } from '../../client';
import { addHours, truncateToHour } from '../../core/importHour';
import { generateReadings } from '../../sim/generator';
import { useWorkerFleet } from '../support/workerFleet';

const HOUR = addHours(truncateToHour(new Date()), -1);
const RECORDS = generateReadings(14, 2, 400, new Date(HOUR.getTime() + 30 * 60_000));

const fleet = useWorkerFleet('tp-starts-', ({ config }) => ({ LANDING_STORE_URL: config.landingStoreUrl }), {
  empty: true,
});

test('six `tempctl worker` at once on an empty database all start, then an hour lands once, exact', async () => {
  const { partner, client, config, database, startWorker } = fleet;
  const started = await Promise.allSettled(Array.from({ length: 6 }, () => startWorker()));
  expect(started.map((s) => (s.status === 'fulfilled' ? 'running' : String(s.reason)))).toEqual(
    Array(6).fill('running'),
  );
  const migrations = (await database.db('knex_migrations').count({ n: '*' }).first()) as { n: string };
  expect(Number(migrations.n)).toBeGreaterThan(0);

  partner.answer({ body: JSON.stringify(RECORDS) });
  const summary = await (await startImport(client, config, HOUR)).result();
  expect(summary.status).toBe('succeeded');
  expect(partner.calls).toBe(1);
  await fleet.expectExact(HOUR, RECORDS);
}, 600_000);
