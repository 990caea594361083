/**
 * Issue 25, "one hour, one call" across worker hosts: the answer arrives on worker A (its own
 * DATA_DIR, as on its own machine) while the landing store's disk is full, so A keeps it parked and
 * retries the store; A is SIGKILLed, and the retry runs on worker B (another DATA_DIR), which has
 * no copy. Reading the heartbeat's note, B fails the hour, not retryable, naming A's files and the
 * rerun, without calling the partner. The operator copies the files, frees the disk and reruns:
 * one partner call in all, rows equal to an independent computation. Needs root (mount).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runsForHour } from '../../adapters/db/runs';
import { startImport } from '../../client';
import { deepestMessage } from '../../core/errors';
import { addHours, formatHour, truncateToHour } from '../../core/importHour';
import { generateReadings } from '../../sim/generator';
import { useFullDisk } from '../support/fullDisk';
import { useWorkerFleet } from '../support/workerFleet';

const HOUR = addHours(truncateToHour(new Date()), -1);
const RECORDS = generateReadings(15, 4, 400, new Date(HOUR.getTime() + 30 * 60_000));
/** Past 0.8 × the fetch's 10 s heartbeat timeout: Temporal has recorded the note by then. */
const KILL_AFTER_MS = 12_000;

const disk = useFullDisk('tp-stranded-tmpfs-');
let workerDataDir = '';
const fleet = useWorkerFleet('tp-stranded-', () => ({
  DATA_DIR: workerDataDir,
  LANDING_STORE_URL: disk.landing(),
  LANDING_STORE_RETRY_BUDGET_MS: '120000',
}));

test('the answer parked on a killed worker: the retry elsewhere fails naming it, no second call; copied over, the rerun is exact', async () => {
  const { partner, client, config, dataDir, startWorker } = fleet;
  const [dirA, dirB] = ['a', 'b'].map((name) => path.join(dataDir, name));
  workerDataDir = dirA!;
  const workerA = await startWorker();
  workerDataDir = dirB!;
  disk.fill();
  const handle = await fleet.importKillingAfterLastByte(workerA, HOUR, RECORDS, KILL_AFTER_MS);
  await startWorker();

  const failure = await handle.result().then(
    () => undefined,
    (error: unknown) => error,
  );
  const message = deepestMessage(failure);
  const parked = path.join(dirA!, 'scratch', 'answers');
  const files = fs.readdirSync(parked).sort();
  expect(files).toHaveLength(2);
  for (const file of files) expect(message).toContain(path.join(parked, file));
  expect(message).toContain(`so partner-api is not called again`);
  expect(message).toContain(`tempctl run --hour ${formatHour(HOUR)}`);
  expect(partner.calls).toBe(1);
  const [run] = await runsForHour(fleet.database.db, HOUR);
  expect(run?.status).toBe('failed');
  expect((run?.report as { failure?: unknown } | undefined)?.failure).toMatchObject({
    component: 'disk',
    setting: 'DATA_DIR',
  });

  // What the message says to do: the two files into B's DATA_DIR, the disk freed, a rerun.
  const target = path.join(dirB!, 'scratch', 'answers');
  fs.mkdirSync(target, { recursive: true });
  for (const file of files) fs.copyFileSync(path.join(parked, file), path.join(target, file));
  disk.free();
  const summary = await (await startImport(client, config, HOUR)).result();
  expect(summary.status).toBe('succeeded');
  expect(partner.calls).toBe(1);
  await fleet.expectExact(HOUR, RECORDS);
}, 300_000);
