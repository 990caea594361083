/**
 * Hour backups in a folder: the shared backup suite, plus a million-row table written and read
 * back through streams with the process's RSS growing far less than the table's size.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { BackupStore } from '../../adapters/backup/store';
import { LocalObjectStore } from '../../adapters/objectStore';
import { backupStoreSuite } from '../support/backupStoreSuite';

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => fs.rm(root, { recursive: true, force: true })));
});
async function newRoot(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-backups-'));
  roots.push(root);
  return root;
}

describe('BackupStore on a folder', () => {
  backupStoreSuite(async () => {
    const backupRoot = await newRoot();
    return {
      backup: new LocalObjectStore(backupRoot),
      landing: new LocalObjectStore(await newRoot()),
      tamper: async (key, change) => {
        const file = path.join(backupRoot, ...key.split('/'));
        const bytes = change(await fs.readFile(file));
        await fs.rm(file);
        if (bytes !== undefined) await fs.writeFile(file, bytes);
      },
    };
  });
});

/**
 * A full garbage collection: without it the RSS measured below is mostly garbage the collector has
 * not reached yet, which grows with the machine's load (42 to 87 MB in runs of this test), not with
 * what the backup holds. V8 lets a running process expose `gc`.
 */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

test('a million-row table streams through in bounded memory', async () => {
  const ROWS = 1_000_000;
  const store = new BackupStore(new LocalObjectStore(await newRoot()), await newRoot());
  function* rows() {
    for (let i = 0; i < ROWS; i++) {
      if (i % 100_000 === 0) collectGarbage();
      yield {
        row_id: i,
        source: 'partner-api',
        id: `sensor-${i % 5000}-${i}`,
        lat: 43 + (i % 997) / 1000,
        lon: 2.5,
        temperature: 12.25,
      };
    }
  }
  collectGarbage();
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  let read = 0;
  let lastId = -1;
  let rawBytes = 0;
  try {
    const { manifest, ref } = await store.writeHour(
      randomUUID(),
      new Date('2026-11-27T14:00:00Z'),
      { tables: [{ name: 'readings', rows: rows() }] },
      new Date(),
    );
    expect(manifest.tables[0]?.rows).toBe(ROWS);
    for await (const row of store.readTable(ref, manifest, 'readings')) {
      read += 1;
      if (read % 100_000 === 0) collectGarbage();
      lastId = row.row_id as number;
      rawBytes += JSON.stringify(row).length + 1;
    }
  } finally {
    clearInterval(timer);
  }
  expect(read).toBe(ROWS);
  expect(lastId).toBe(ROWS - 1);
  const growth = Math.max(peak, process.memoryUsage().rss) - start;
  console.log(
    `1,000,000 rows (${(rawBytes / 2 ** 20).toFixed(0)} MB of NDJSON): peak RSS growth ${(growth / 2 ** 20).toFixed(0)} MB`,
  );
  // The NDJSON is about 110 MB; held whole, as text or as JS objects, the table would take that or
  // several times that. Streamed, with garbage collected every 100,000 rows, only buffers remain.
  expect(growth).toBeLessThan(rawBytes / 2);
});
