/** insertInChunks: every row inserted, INSERT_CHUNK_ROWS per statement, from an array or a stream (in-memory PGlite). */
import type { Knex } from 'knex';
import { createDatabase } from '../../adapters/db/connection';
import { insertInChunks, INSERT_CHUNK_ROWS } from '../../adapters/db/insertChunks';

let db: Knex;
const inserts: string[] = [];
beforeAll(async () => {
  db = createDatabase({ url: undefined, pgliteDir: ':memory:' });
  await db.raw('CREATE TABLE t (n integer NOT NULL)');
  db.on('query', (query: { sql: string }) => {
    if (/^insert/i.test(query.sql)) inserts.push(query.sql);
  });
});
afterAll(() => db.destroy());
beforeEach(async () => {
  await db('t').delete();
  inserts.length = 0;
});

const rows = (count: number) => Array.from({ length: count }, (_, n) => ({ n }));
async function* streamed(count: number): AsyncIterable<{ n: number }> {
  // A stream's rows arrive over time: each one after a turn of the event loop.
  for (let n = 0; n < count; n++) yield await Promise.resolve({ n });
}
async function stored(): Promise<number[]> {
  return ((await db('t').orderBy('n').select('n')) as { n: number }[]).map((r) => r.n);
}

it.each([
  ['an array', () => rows(2 * INSERT_CHUNK_ROWS + 1)],
  ['a stream', () => streamed(2 * INSERT_CHUNK_ROWS + 1)],
])('inserts every row of %s, one statement per chunk', async (_, source) => {
  const count = await db.transaction((trx) => insertInChunks(trx, 't', source()));
  expect(count).toBe(2 * INSERT_CHUNK_ROWS + 1);
  expect(await stored()).toEqual(rows(2 * INSERT_CHUNK_ROWS + 1).map((r) => r.n));
  expect(inserts).toHaveLength(3);
});

it('inserts nothing, with no statement, for no rows', async () => {
  expect(await insertInChunks(db, 't', [])).toBe(0);
  expect(inserts).toHaveLength(0);
});

it('an exact multiple of the chunk makes no empty statement', async () => {
  expect(await insertInChunks(db, 't', rows(INSERT_CHUNK_ROWS))).toBe(INSERT_CHUNK_ROWS);
  expect(inserts).toHaveLength(1);
});
