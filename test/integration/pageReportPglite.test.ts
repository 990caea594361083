/**
 * `tempctl report` on the embedded PGlite database (no DATABASE_URL), as the demo's users run it:
 * the same queries must work there. Rows are written straight into the user's table here, since
 * this checks the read path only (page.test.ts covers real imports on PostgreSQL).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, migrateToLatest } from '../../adapters/db/connection';

test('`tempctl report` reads PGlite: every region row, its 3-hours-before value, the failed run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-page-pglite-'));
  const pgliteDir = path.join(dir, 'pglite');
  const hour = new Date('2026-03-10T12:00:00Z');
  const before = new Date('2026-03-10T09:00:00Z');
  const rows = [
    { hour, region: 'Bretagne', temperature: 9.125, numberOfPoints: 12 },
    { hour, region: 'Corse', temperature: 15.5, numberOfPoints: 4 },
    { hour: before, region: 'Bretagne', temperature: 7.75, numberOfPoints: 10 },
  ];
  const db = createDatabase({ url: undefined, pgliteDir });
  await migrateToLatest(db);
  await db('region_hourly_temperature').insert(rows);
  await db('import_runs').insert({
    run_id: 'run-1',
    workflow_id: 'hourly-import-2026-03-10T12:00:00Z',
    import_hour: hour,
    trigger: 'manual',
    status: 'failed',
    started_at: hour,
    error: 'partner-api: connection refused',
  });
  await db.destroy();

  const out = path.join(dir, 'report.html');
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', PGLITE_DIR: pgliteDir };
  delete env.DATABASE_URL;
  const code = await new Promise<number | null>((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(__dirname, '../../bin/tempctl.js'), 'report', '--hour', '2026-03-10T12', '--out', out],
      { env },
      () => resolve(child.exitCode),
    );
  });
  expect(code).toBe(0);
  const html = fs.readFileSync(out, 'utf8');
  const row = (region: string) =>
    new RegExp(
      `${region}</a></th><td class="num">([^<]*)</td><td class="num">([^<]*)</td><td class="num">([^<]*)</td>`,
    )
      .exec(html)
      ?.slice(1);
  expect(row('Bretagne')).toEqual(['9.13 °C', '12', '7.75 °C']);
  expect(row('Corse')).toEqual(['15.50 °C', '4', 'no data']);
  expect(row('Normandie')).toEqual(['no data', '—', 'no data']);
  expect(html).toContain('Import failed');
  expect(html).toContain('partner-api: connection refused');
  fs.rmSync(dir, { recursive: true, force: true });
});
