/**
 * Issue 25, "our own failures never call the partner again", across hosts and within Temporal's
 * heartbeat window: the landing store is a SeaweedFS (S3) of this file's own; worker A (its own
 * DATA_DIR, as on its own machine) copies the answer into the store as it downloads, and is
 * SIGKILLed 0.1 s after the partner sent the last byte, long before Temporal records a heartbeat
 * note. The retry runs on worker B (another DATA_DIR, no parked copy): it finds the copied answer
 * recorded in `raw_bodies` and lands it. One partner call in all; the rows equal an independent
 * computation; the stored answer is the copy made as it downloaded (no second upload).
 */
import path from 'node:path';
import { startSeaweed, type SeaweedServer } from '../../adapters/objectStore/seaweed';
import { addHours, truncateToHour } from '../../core/importHour';
import { generateReadings } from '../../sim/generator';
import { useWorkerFleet } from '../support/workerFleet';

const HOUR = addHours(truncateToHour(new Date()), -1);
const RECORDS = generateReadings(12, 3, 400, new Date(HOUR.getTime() + 30 * 60_000));
/** The kill's delay after the partner sent the last byte: the figure. */
const KILL_AFTER_MS = 100;

let seaweed: SeaweedServer;
let workerDataDir = '';
beforeAll(async () => {
  seaweed = await startSeaweed({ bucket: 'tp-incoming' });
}, 120_000);
afterAll(async () => {
  await seaweed?.stop();
});
const fleet = useWorkerFleet('tp-incoming-', () => ({
  DATA_DIR: workerDataDir,
  LANDING_STORE_URL: `s3://${seaweed.bucket}/landing`,
  S3_ENDPOINT: seaweed.endpoint,
  S3_ACCESS_KEY_ID: seaweed.s3.credentials?.accessKeyId ?? '',
  S3_SECRET_ACCESS_KEY: seaweed.s3.credentials?.secretAccessKey.reveal() ?? '',
}));

test('killed 0.1 s after the last byte, retried on another host: the answer copied as it arrived is landed, one partner call', async () => {
  const { partner, dataDir, startWorker } = fleet;
  const [dirA, dirB] = ['a', 'b'].map((name) => path.join(dataDir, name));
  workerDataDir = dirA!;
  const workerA = await startWorker();
  workerDataDir = dirB!;
  const handle = await fleet.importKillingAfterLastByte(workerA, HOUR, RECORDS, KILL_AFTER_MS);
  expect(partner.calls).toBe(1);

  await startWorker();
  const summary = await handle.result();
  expect(summary.status).toBe('succeeded');
  expect(partner.calls).toBe(1);
  const raw = (await fleet.database.db('raw_bodies').select('object_key', 'bytes')) as {
    object_key: string;
    bytes: string | number;
  }[];
  expect(raw).toHaveLength(1);
  expect(raw[0]?.object_key).toMatch(
    /^raw\/source=partner-api\/import_hour=[^/]+\/.+-incoming-[0-9a-f-]+\.json$/,
  );
  expect(Number(raw[0]?.bytes)).toBe(Buffer.byteLength(JSON.stringify(RECORDS)));
  await fleet.expectExact(HOUR, RECORDS);
}, 240_000);
