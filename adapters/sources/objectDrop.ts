/**
 * The object-store drop: the partner writes each hour's parts (JSON arrays of readings, like an
 * answer of the API) under `OBJECT_DROP_URL/<hour>/` (`2026-11-27T14-00-00Z/`), then, last, a
 * manifest `_manifest.json` listing every part with its size and sha256 (core/parts.ts).
 *
 * - A listing is never taken for a complete hour: without the manifest the hour is not complete
 *   yet (retryable: the partner may still be writing); with it, a part it lists that is absent or
 *   of another size fails the hour naming the part (not retryable: the manifest is written last).
 * - Objects under the hour that the manifest does not list are never landed, and are reported.
 * - Each part is one batch keyed `object:<key>:<sha256>`: landed once, whatever reruns.
 * - The bucket is the partner's: nothing is deleted or moved there (`acknowledge` does nothing).
 * - Failures reading the partner's store are the partner's (SourceError), not the landing store's.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { deepestMessage, isObjectNotFoundError, isSourceError, SourceError } from '../../core/errors';
import { hourSegment } from '../../core/landingKeys';
import { checkListing, MANIFEST_NAME, parseManifest, type PartListing, type PartRef } from '../../core/parts';
import { OBJECT_DROP_SOURCE } from '../../core/policies';
import type { ObjectStore } from '../objectStore/types';
import type { PartedSource, SourceBatch } from './types';

export function objectBatchKey(key: string, sha256: string): string {
  return `object:${key}:${sha256}`;
}

export function createObjectDropSource(store: ObjectStore, deps: { now?: () => Date } = {}): PartedSource {
  const now = deps.now ?? (() => new Date());
  const at = (key: string) => `${store.url.replace(/\/+$/, '')}/${key}`;
  const failed = (message: string, retryable: boolean) =>
    new SourceError(OBJECT_DROP_SOURCE, message, { retryable });
  /** The partner's store failing is the partner's failure, worth retrying. */
  async function reading<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (isSourceError(error)) throw error;
      throw failed(
        `cannot read ${what} in ${store.url}: ${deepestMessage(error)}`,
        !isObjectNotFoundError(error),
      );
    }
  }

  return {
    name: OBJECT_DROP_SOURCE,
    fetch(): Promise<SourceBatch[]> {
      return Promise.reject(failed('is landed in parts (listParts, fetchPart), never as one answer', false));
    },
    acknowledge: () => Promise.resolve(),

    async listParts(hour: Date): Promise<PartListing> {
      const prefix = `${hourSegment(hour)}/`;
      const listed = await reading(`the listing of ${prefix}`, async () => {
        const objects: { name: string; bytes: number }[] = [];
        for await (const object of store.list(prefix))
          objects.push({ name: object.key.slice(prefix.length), bytes: object.bytes });
        return objects;
      });
      if (!listed.some((object) => object.name === MANIFEST_NAME))
        throw failed(
          `the hour is not complete yet: no ${prefix}${MANIFEST_NAME} in ${store.url} (${listed.length} object(s) listed; the manifest is written last)`,
          true,
        );
      const text = await reading(`${prefix}${MANIFEST_NAME}`, async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of await store.openRead(`${prefix}${MANIFEST_NAME}`))
          chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      });
      let manifest;
      try {
        manifest = parseManifest(text);
      } catch (error) {
        throw failed(
          `${at(`${prefix}${MANIFEST_NAME}`)} ${(error as Error).message}; contact the partner`,
          false,
        );
      }
      const check = checkListing(manifest, listed);
      const wrong = [
        ...check.missing.map((name) => `${name} is missing`),
        ...check.wrongSize.map((name) => `${name} has another size`),
      ];
      if (wrong.length > 0)
        throw failed(
          `${at(`${prefix}${MANIFEST_NAME}`)} lists parts that are not there as listed: ${wrong.join('; ')}`,
          false,
        );
      const parts: PartRef[] = manifest.map((part) => ({
        id: part.name,
        locator: `${prefix}${part.name}`,
        key: objectBatchKey(`${prefix}${part.name}`, part.sha256),
        bytes: part.bytes,
        sha256: part.sha256,
      }));
      return {
        parts,
        ignored: check.unlisted.map((name) => `${prefix}${name} (not in ${MANIFEST_NAME})`),
        warnings: [],
      };
    },

    async fetchPart(_hour: Date, part: PartRef, scratchDir: string) {
      const file = path.join(scratchDir, `${OBJECT_DROP_SOURCE}-${randomUUID()}.json`);
      const fetchedAt = now();
      const hash = createHash('sha256');
      let bytes = 0;
      await reading(part.locator, async () =>
        pipeline(
          await store.openRead(part.locator),
          new Transform({
            transform(chunk: Buffer, _encoding, done) {
              hash.update(chunk);
              bytes += chunk.length;
              done(null, chunk);
            },
          }),
          createWriteStream(file),
        ),
      );
      const sha256 = hash.digest('hex');
      if (
        (part.sha256 !== undefined && sha256 !== part.sha256) ||
        (part.bytes !== undefined && bytes !== part.bytes)
      )
        throw failed(
          `${at(part.locator)} is not the part its manifest lists: ${bytes} bytes, sha256 ${sha256}, where the manifest says ${part.bytes ?? '?'} bytes, sha256 ${part.sha256 ?? '?'}`,
          false,
        );
      const batch: SourceBatch = {
        source: OBJECT_DROP_SOURCE,
        key: part.key ?? objectBatchKey(part.locator, sha256),
        fetchedAt,
        bodyFile: file,
        bodySha256: sha256,
      };
      return { batch, next: [] };
    },
  };
}
