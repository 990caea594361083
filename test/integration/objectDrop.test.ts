/**
 * The object-store drop (adapters/sources/objectDrop.ts) against the run's SeaweedFS over S3: the
 * partner's parts are listed from the hour's manifest only, each fetched with its bytes checked;
 * a prefix without a manifest is not a complete hour; a part the manifest lists and the prefix
 * lacks is named; objects the manifest does not list are reported, never landed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openObjectStore } from '../../adapters/objectStore';
import { createObjectDropSource } from '../../adapters/sources/objectDrop';
import { isSourceError } from '../../core/errors';
import { MANIFEST_NAME } from '../../core/parts';
import { newS3StoreUrl, testS3 } from '../support/s3';

const HOUR = new Date('2026-11-27T14:00:00Z');
const PREFIX = '2026-11-27T14-00-00Z/';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-object-drop-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The partner's side: writes `parts` under the hour's prefix, then (unless told not to) the manifest. */
async function partnerDrop(
  parts: Record<string, string>,
  /** The manifest's parts (default: `parts`, exactly), or null to write none. */
  manifest: { name: string; bytes: number; sha256: string }[] | null | undefined = undefined,
  extra: Record<string, string> = {},
) {
  const url = newS3StoreUrl();
  const store = openObjectStore(url, testS3().s3);
  const put = async (name: string, text: string) => {
    const file = path.join(scratch, `put-${name}`);
    fs.writeFileSync(file, text);
    await store.putFile(`${PREFIX}${name}`, file);
  };
  const listed = Object.entries(parts).map(([name, text]) => ({
    name,
    bytes: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
  }));
  for (const [name, text] of Object.entries({ ...parts, ...extra })) await put(name, text);
  if (manifest !== null) await put(MANIFEST_NAME, JSON.stringify({ parts: manifest ?? listed }));
  return { source: createObjectDropSource(openObjectStore(url, testS3().s3)), listed };
}

const PARTS = {
  'part-1.json': JSON.stringify([{ id: 'a' }, { id: 'b' }]),
  'part-2.json': JSON.stringify([{ id: 'c' }]),
  'part-3.json': '[]',
};

async function failure(work: Promise<unknown>): Promise<{ message: string; retryable: boolean }> {
  const thrown: unknown = await work.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isSourceError(thrown)) throw new Error(`expected a SourceError, got ${String(thrown)}`);
  return thrown;
}

test('the manifest names the parts; each is fetched with its bytes, and an unlisted object is reported', async () => {
  const { source, listed } = await partnerDrop(PARTS, undefined, { 'part-9.json.tmp': '[' });
  const listing = await source.listParts(HOUR);
  expect(listing.parts.map((part) => part.id)).toEqual(['part-1.json', 'part-2.json', 'part-3.json']);
  expect(listing.parts[0]?.key).toBe(`object:${PREFIX}part-1.json:${listed[0]?.sha256}`);
  expect(listing.ignored).toEqual([`${PREFIX}part-9.json.tmp (not in ${MANIFEST_NAME})`]);
  for (const part of listing.parts) {
    const { batch, next } = await source.fetchPart(HOUR, part, scratch);
    expect(next).toEqual([]);
    expect(fs.readFileSync(batch.bodyFile ?? '', 'utf8')).toBe(PARTS[part.id as keyof typeof PARTS]);
    expect(batch.bodySha256).toBe(part.sha256);
  }
});

test('parts without their manifest are not a complete hour: retryable, saying so', async () => {
  const { source } = await partnerDrop(PARTS, null);
  const error = await failure(source.listParts(HOUR));
  expect(error.retryable).toBe(true);
  expect(error.message).toContain(`the hour is not complete yet: no ${PREFIX}${MANIFEST_NAME}`);
  expect(error.message).toContain('3 object(s) listed');
});

test('a part the manifest lists and the prefix lacks is named, not retryable', async () => {
  const { listed } = await partnerDrop(PARTS);
  const { source } = await partnerDrop({ 'part-1.json': PARTS['part-1.json'] }, listed);
  const error = await failure(source.listParts(HOUR));
  expect(error.retryable).toBe(false);
  expect(error.message).toContain('part-2.json is missing; part-3.json is missing');
});

test('a part whose bytes are not the manifest’s is refused when fetched, naming it', async () => {
  const { listed } = await partnerDrop(PARTS);
  const forged = { ...PARTS, 'part-2.json': JSON.stringify([{ id: 'x' }]) };
  const { source } = await partnerDrop(forged, listed);
  const part = (await source.listParts(HOUR)).parts[1];
  const error = await failure(source.fetchPart(HOUR, part!, scratch));
  expect(error.retryable).toBe(false);
  expect(error.message).toContain(`${PREFIX}part-2.json is not the part its manifest lists`);
});
