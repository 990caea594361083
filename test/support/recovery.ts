/**
 * Helpers for the recovery tests: a source answering exactly the records a test chooses, and table
 * snapshots to compare.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';

export interface RecordServer {
  /** Use as SENSOR_API_URL. */
  url: string;
  /** Requests received, authenticated or not. */
  readonly calls: number;
  /** The array sent by each authenticated call, oldest first. */
  readonly served: readonly unknown[][];
  /** What the next calls answer. */
  setRecords(records: unknown[]): void;
  close(): Promise<void>;
}

/** A real HTTP server speaking the partner's contract (GET, X-API-Key, a JSON array), answering `records`. */
export async function startRecordServer(apiKey: string): Promise<RecordServer> {
  let records: unknown[] = [];
  let calls = 0;
  const served: unknown[][] = [];
  const server = http.createServer((req, res) => {
    calls += 1;
    const send = (status: number, body: string) => {
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, JSON.stringify({ error: 'method not allowed' }));
    if (req.headers['x-api-key'] !== apiKey) return send(401, JSON.stringify({ error: 'invalid API key' }));
    const answer = records;
    served.push(answer);
    send(200, JSON.stringify(answer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/readings`,
    get calls() {
      return calls;
    },
    get served() {
      return served;
    },
    setRecords(next) {
      records = [...next];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The tables a restore rebuilds, each with the key that orders its rows. */
export const RESTORED_TABLES: [table: string, orderBy: string[]][] = [
  ['fetch_batches', ['batch_id']],
  ['raw_bodies', ['source', 'batch_key']],
  ['landed_files', ['file_id']],
  ['version_runs', ['batch_id']],
  ['readings', ['row_id']],
  ['quarantine', ['quarantine_id']],
  ['region_hourly_temperature', ['hour', 'region']],
];

/** Every row of each table, in key order (compare two snapshots with toEqual). */
export async function snapshotTables(
  db: Knex,
  tables: readonly [string, string[]][] = RESTORED_TABLES,
): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const [table, orderBy] of tables) snapshot[table] = (await db(table).orderBy(orderBy)) as unknown[];
  return snapshot;
}

/** Row counts of the tables that exist among `tables` (a table that does not exist is left out). */
export async function existingRowCounts(
  db: Knex,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    if (!(await db.schema.hasTable(table))) continue;
    const row = (await db(table).count({ n: '*' }).first()) as { n: number | string };
    counts[table] = Number(row.n);
  }
  return counts;
}
