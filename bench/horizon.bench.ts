/**
 * `npm run bench:horizon`: what the correction horizon costs (docs/scaling.md §2). Lands K earlier
 * hours of BENCH_READINGS readings each (default 1,000,000) with the real landing
 * (adapters/analytics/landing.ts, DuckDB), then lands one more hour against them, as the fetch
 * does with CORRECTION_HORIZON_HOURS covering those K hours, and prints the time of the landing's
 * version lookup and of the whole landing, for K = 0, 1, 2, 4, 8 (BENCH_HOURS), in two cases:
 * every id new (the usual hour) and every id known before (a partner re-sending its last hour).
 * The anchor, in the same run: the same landing with no earlier file (K = 0).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAnalytics } from '../adapters/analytics/duckdb';
import { landBody, type LandedBody } from '../adapters/analytics/landing';
import { DEFAULT_LIMITS } from '../core/reading';
import { generateReadings } from '../sim/generator';

const READINGS = Number(process.env.BENCH_READINGS ?? 1_000_000);
const HOURS = (process.env.BENCH_HOURS ?? '0,1,2,4,8').split(',').map(Number);
const HOUR_MS = 3_600_000;

function writeBody(file: string, seed: number, at: Date, reuse?: string): void {
  if (reuse) return void fs.copyFileSync(reuse, file);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, '[');
  for (let i = 0, call = 0; i < READINGS; i += 10_000, call += 1) {
    const part = generateReadings(seed, call, Math.min(10_000, READINGS - i), at).map((r) =>
      JSON.stringify(r),
    );
    fs.writeSync(fd, (i === 0 ? '' : ',') + part.join(','));
  }
  fs.writeSync(fd, ']');
  fs.closeSync(fd);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-horizon-'));
  const analytics = await openAnalytics({ memoryLimitMb: 160, threads: 2, tempDir: path.join(dir, 'duck') });
  const base = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 24 * HOUR_MS);
  const land = async (body: string, hour: Date, known: string[], name: string) => {
    const workDir = path.join(dir, name);
    fs.mkdirSync(workDir, { recursive: true });
    const stages: Record<string, number> = {};
    let stage = 'start';
    let at = performance.now();
    const started = at;
    const landed: LandedBody = await analytics.withConnection((conn) =>
      landBody(conn, {
        bodyPath: body,
        source: 'partner-api',
        batchKey: `pull:${name}`,
        importHour: hour,
        fetchedAt: new Date(hour.getTime() + HOUR_MS + 5_000),
        limits: DEFAULT_LIMITS,
        horizonHours: 168,
        knownFiles: known,
        bucketCounts: (hours) => Promise.resolve(new Map(hours.map(({ hour }) => [hour.getTime(), 8]))),
        workDir,
        partFiles: [path.join(workDir, 'part-0.json'), path.join(workDir, 'part-1.json')],
        progress: (next) => {
          const now = performance.now();
          stages[stage] = (now - at) / 1000;
          stage = next;
          at = now;
        },
      }),
    );
    stages[stage] = (performance.now() - at) / 1000;
    return { landed, versions: stages.versions ?? 0, total: (performance.now() - started) / 1000 };
  };

  console.log(
    `bench:horizon  ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${READINGS.toLocaleString('en-US')} readings an hour, DuckDB 160 MB, 2 threads`,
  );
  // The earlier hours, landed once; each later case looks up the first K of them.
  const earlier: string[][] = [];
  const bodies: string[] = [];
  for (let k = 0; k < Math.max(...HOURS); k += 1) {
    const hour = new Date(base.getTime() + k * HOUR_MS);
    const body = path.join(dir, `earlier-${k}.json`);
    writeBody(body, 100 + k, new Date(hour.getTime() + 30 * 60_000));
    bodies.push(body);
    earlier.push((await land(body, hour, [], `earlier-${k}`)).landed.files.map((f) => f.path));
  }
  const hour = new Date(base.getTime() + 12 * HOUR_MS);
  const fresh = path.join(dir, 'fresh.json');
  writeBody(fresh, 7, new Date(hour.getTime() + 30 * 60_000));
  console.log(
    '  earlier hours   every id new: lookup / landing      every id known (a re-send): lookup / landing',
  );
  for (const k of HOURS) {
    const known = earlier.slice(0, k).flat();
    const allNew = await land(fresh, hour, known, `new-${k}`);
    // A re-send of the newest earlier hour: every id is known, with the same content (duplicates).
    const resend = k === 0 ? undefined : await land(bodies[k - 1] as string, hour, known, `resend-${k}`);
    console.log(
      `  K = ${String(k).padStart(2)} (${known.length} files)   ${allNew.versions.toFixed(2)} s / ${allNew.total.toFixed(2)} s` +
        (resend
          ? `                      ${resend.versions.toFixed(2)} s / ${resend.total.toFixed(2)} s (${resend.landed.duplicates.toLocaleString('en-US')} duplicates)`
          : ''),
    );
  }
  analytics.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
