/**
 * Issue 25, "the fetching worker SIGKILLed 0.1 s after the last byte of the answer" and "the
 * landing folder's disk full (50 MB tmpfs)", against the real components: the landing store is a
 * folder on a real tmpfs, filled up, so storing the answer fails with ENOSPC and is retried inside
 * the fetch; a `tempctl worker` process is SIGKILLed 0.1 s after the partner sent the answer's last
 * byte; the space is freed and a second worker process (same machine, same DATA_DIR) runs the
 * retry. It lands the answer kept under DATA_DIR/scratch/answers: one partner call, exact rows.
 * Needs root (mount); the machine's tests run as root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { addHours, truncateToHour } from '../../core/importHour';
import { generateReadings } from '../../sim/generator';
import { useFullDisk } from '../support/fullDisk';
import { useWorkerFleet } from '../support/workerFleet';

const HOUR = addHours(truncateToHour(new Date()), -1);
const RECORDS = generateReadings(12, 3, 400, new Date(HOUR.getTime() + 30 * 60_000));
/** The kill's delay after the partner sent the last byte: the figure. */
const KILL_AFTER_MS = 100;

const disk = useFullDisk('tp-lastbyte-tmpfs-');
const fleet = useWorkerFleet('tp-lastbyte-', () => ({
  LANDING_STORE_URL: disk.landing(),
  LANDING_STORE_RETRY_BUDGET_MS: '60000',
}));

test('killed 0.1 s after the last byte while the landing disk is full: the retry lands the kept answer, one partner call', async () => {
  const { partner, dataDir, startWorker } = fleet;
  const workerA = await startWorker();
  disk.fill();
  const handle = await fleet.importKillingAfterLastByte(workerA, HOUR, RECORDS, KILL_AFTER_MS);
  expect(partner.calls).toBe(1);

  disk.free();
  await startWorker();
  const summary = await handle.result();
  expect(summary.status).toBe('succeeded');
  expect(partner.calls).toBe(1);
  // The answer is in the landing store and the database now: no copy is left behind.
  expect(fs.readdirSync(path.join(dataDir, 'scratch', 'answers'))).toEqual([]);

  await fleet.expectExact(HOUR, RECORDS);
}, 240_000);
