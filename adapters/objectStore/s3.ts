/**
 * An S3-compatible bucket as an append-only object store, `s3://bucket/prefix`, through
 * `@aws-sdk/client-s3`. A write hashes the file (one streamed pass), then uploads it streamed with
 * `@aws-sdk/lib-storage` (multipart above one part: at most PART_BYTES × QUEUE in memory, whatever
 * the size) as a conditional put, `If-None-Match: *` (honoured by AWS since 2024 and by SeaweedFS,
 * tested in test/integration/objectStoreS3.test.ts): the server refuses the second writer of a key
 * (412). The sha256 travels as object metadata, so a refused writer can tell an identical retry
 * from other bytes without downloading anything.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Settings } from '../../config';
import {
  ChecksumMismatchError,
  ObjectExistsError,
  ObjectNotFoundError,
  ObjectStoreError,
  isPipelineError,
} from '../../core/errors';
import { formatStoreLocation } from '../../core/storeLocation';
import { checkKey, checkPrefix, hashingStream, sha256OfStream } from './keys';
import type { ObjectStore, ObjectWrite, PutOptions, StoredObject, ListedObject } from './types';

/** 8 MiB parts, 4 in flight: 32 MiB of buffers per upload at most; 10,000 parts reach 80 GB. */
const PART_BYTES = 8 * 1024 * 1024;
const QUEUE = 4;
/** Files up to 256 MiB go up in one streamed PUT (S3 takes up to 5 GiB in one). */
const SINGLE_PUT_BYTES = 256 * 1024 * 1024;
const SHA256_METADATA = 'sha256';
/** S3_TIMEOUT_MS's default (config/index.ts). */
const DEFAULT_TIMEOUT_MS = 30_000;

export function s3Client(s3: S3Settings): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    // Every call is bounded: connecting, then each wait for bytes (the SDK retries within it).
    requestHandler: {
      connectionTimeout: s3.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      requestTimeout: s3.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    credentials:
      s3.credentials === undefined
        ? undefined
        : {
            accessKeyId: s3.credentials.accessKeyId,
            secretAccessKey: s3.credentials.secretAccessKey.reveal(),
          },
  });
}

export class S3ObjectStore implements ObjectStore {
  readonly url: string;

  constructor(
    readonly bucket: string,
    /** '' or ending in '/'. */
    readonly prefix: string,
    readonly client: S3Client,
  ) {
    this.url = formatStoreLocation({ kind: 's3', bucket, prefix });
  }

  private objectKey(key: string): string {
    checkKey(this.url, key);
    return this.prefix + key;
  }

  async putFile(key: string, localPath: string, options: PutOptions = {}): Promise<StoredObject> {
    const Key = this.objectKey(key);
    try {
      const { bytes, sha256 } = await sha256OfStream(createReadStream(localPath));
      if (options.sha256 !== undefined && sha256 !== options.sha256)
        throw new ChecksumMismatchError(this.url, key, sha256, options.sha256);
      const wanted: StoredObject = { key, bytes, sha256 };
      // A retry of a finished write costs a HEAD, not an upload.
      const existing = await this.head(Key);
      if (existing) return await this.sameOrRefuse(wanted, existing);
      try {
        await this.upload(Key, localPath, wanted, true);
      } catch (error) {
        // 412: another writer got there first; 409: a concurrent conditional write is in progress.
        if (!isConflict(error)) throw error;
        const winner = await this.head(Key);
        if (!winner) throw error;
        return await this.sameOrRefuse(wanted, winner);
      }
      return wanted;
    } catch (error) {
      throw this.wrap(error, key, 'write');
    }
  }

  /** A plain (unconditional) streamed put of checked bytes: S3 makes the new object visible whole. */
  async replaceFile(key: string, localPath: string, sha256: string): Promise<StoredObject> {
    const Key = this.objectKey(key);
    try {
      const found = await sha256OfStream(createReadStream(localPath));
      if (found.sha256 !== sha256) throw new ChecksumMismatchError(this.url, key, found.sha256, sha256);
      const stored: StoredObject = { key, ...found };
      await this.upload(Key, localPath, stored, false);
      return stored;
    } catch (error) {
      throw this.wrap(error, key, 'replace');
    }
  }

  /**
   * A multipart upload fed as the bytes come (one PUT when they fit one part), completed by
   * `complete`, aborted otherwise: S3 shows no object until then. Each request is bounded by
   * S3_TIMEOUT_MS (the client's). Not conditional: the caller gives a key of its own.
   */
  openWrite(key: string): ObjectWrite {
    const Key = this.objectKey(key);
    const hashing = hashingStream();
    const upload = new Upload({
      client: this.client,
      partSize: PART_BYTES,
      queueSize: QUEUE,
      params: { Bucket: this.bucket, Key, Body: hashing.stream },
    });
    const done = upload.done();
    // A failed upload stops reading: its writer hears of it at once, not when its buffer fills.
    done.catch((error: unknown) => hashing.stream.destroy(this.wrap(error, key, 'write') as Error));
    return {
      stream: hashing.stream,
      complete: async () => {
        hashing.stream.end();
        try {
          await done;
        } catch (error) {
          throw this.wrap(error, key, 'write');
        }
        return { key, ...hashing.digest() };
      },
      abort: async () => {
        await upload.abort().catch(() => undefined);
        hashing.stream.destroy();
        await done.catch(() => undefined);
      },
    };
  }

  /**
   * Streams the file up, its sha256 as metadata; `ifAbsent`: a conditional put (`If-None-Match: *`).
   * Up to SINGLE_PUT_BYTES in one PUT streamed from the file, so no part is held in memory (a
   * multipart upload holds up to QUEUE parts of PART_BYTES, and the landing puts several files at
   * once); larger files in parts, each retried on its own.
   */
  private async upload(
    Key: string,
    localPath: string,
    object: StoredObject,
    ifAbsent: boolean,
  ): Promise<void> {
    const params = {
      Bucket: this.bucket,
      Key,
      ContentLength: object.bytes,
      ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
      Metadata: { [SHA256_METADATA]: object.sha256 },
    };
    if (object.bytes <= SINGLE_PUT_BYTES) {
      await this.client.send(new PutObjectCommand({ ...params, Body: createReadStream(localPath) }));
      return;
    }
    await new Upload({
      client: this.client,
      partSize: PART_BYTES,
      queueSize: QUEUE,
      params: { ...params, Body: createReadStream(localPath) },
    }).done();
  }

  private async head(Key: string): Promise<{ bytes: number; sha256: string | undefined } | undefined> {
    try {
      const found = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { bytes: found.ContentLength ?? 0, sha256: found.Metadata?.[SHA256_METADATA] };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** An identical object is an idempotent retry; other bytes are refused. */
  private async sameOrRefuse(
    wanted: StoredObject,
    existing: { bytes: number; sha256: string | undefined },
  ): Promise<StoredObject> {
    // An object written by another tool carries no checksum: read it once to know.
    const sha256: string = existing.sha256 ?? (await sha256OfStream(await this.openRead(wanted.key))).sha256;
    if (sha256 === wanted.sha256 && existing.bytes === wanted.bytes) return wanted;
    throw new ObjectExistsError(
      this.url,
      wanted.key,
      `stored sha256 ${sha256.slice(0, 12)}…, new ${wanted.sha256.slice(0, 12)}…`,
    );
  }

  /** Downloads into `scratchDir` (temporary name, then renamed); the caller deletes the file. */
  async getFile(key: string, scratchDir: string): Promise<string> {
    const body = await this.openRead(key);
    await fs.mkdir(scratchDir, { recursive: true });
    const target = path.join(scratchDir, `${randomUUID()}-${path.posix.basename(key)}`);
    const temp = `${target}.part`;
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx' }));
      await fs.rename(temp, target);
      return target;
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw this.wrap(error, key, 'download');
    }
  }

  async openRead(key: string): Promise<NodeJS.ReadableStream> {
    const Key = this.objectKey(key);
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      // In Node the body is an http.IncomingMessage: a Readable, consumed as it is read.
      return answer.Body as Readable;
    } catch (error) {
      throw this.wrap(error, key, 'read');
    }
  }

  async stat(key: string): Promise<{ bytes: number } | undefined> {
    const Key = this.objectKey(key);
    try {
      const found = await this.head(Key);
      return found && { bytes: found.bytes };
    } catch (error) {
      throw this.wrap(error, key, 'stat');
    }
  }

  /**
   * S3 lists in UTF-8 byte order, but SeaweedFS lists folder by folder ("a/b" before "a-b"): the
   * keys under the prefix are gathered and sorted here, so every server gives the contract's order.
   * Memory grows with the number of keys listed (a few hundred per hour), not with their sizes.
   */
  async *list(prefix: string): AsyncIterable<ListedObject> {
    checkPrefix(this.url, prefix);
    const found: ListedObject[] = [];
    try {
      const pages = paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.bucket, Prefix: this.prefix + prefix },
      );
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined) continue;
          found.push({
            key: object.Key.slice(this.prefix.length),
            bytes: object.Size ?? 0,
            writtenAt: object.LastModified ?? new Date(0),
          });
        }
      }
    } catch (error) {
      throw this.wrap(error, prefix, 'list');
    }
    // Keys are ASCII (core/storeLocation), so string order is byte order.
    yield* found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    checkKey(this.url, key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
    } catch (error) {
      throw this.wrap(error, key, 'delete');
    }
  }

  /**
   * The bucket is there and our credentials are accepted (HeadBucket): a worker checks its stores
   * at start and refuses to start otherwise. A missing bucket is reported, never created.
   */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw this.wrap(error, '', 'check the bucket of');
    }
  }

  private wrap(error: unknown, key: string, what: string): unknown {
    if (isPipelineError(error)) return error;
    if (isNotFound(error) && what !== 'list' && !what.startsWith('check'))
      return new ObjectNotFoundError(this.url, key);
    const status = statusOf(error);
    // 4xx other than timeouts, conflicts and throttling will fail again the same way (bad credentials, no bucket, denied).
    const retryable = status === undefined || status >= 500 || [408, 409, 429].includes(status);
    return new ObjectStoreError(
      `${this.url}: cannot ${what} ${key || this.url}: ${this.meaning(error, status)}`,
      {
        retryable,
        cause: error,
      },
    );
  }

  /**
   * What an S3 error means, in words an operator acts on. The SDK's message is kept only for
   * errors that are not about credentials (a signature error's text could echo what was signed).
   */
  private meaning(error: unknown, status: number | undefined): string {
    const name = error instanceof Error ? error.name : 'Error';
    const code = (error as { code?: unknown } | null)?.code;
    if (status === 403)
      return `access denied (HTTP 403 ${name}): the credentials or their permissions on bucket ${this.bucket} are refused; check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (and the bucket policy)`;
    if (name === 'NoSuchBucket' || (status === 404 && (name === 'NotFound' || name === '404')))
      return `bucket ${this.bucket} does not exist (HTTP 404 NoSuchBucket); create it, or fix the location`;
    if (status === 400 && /InvalidAccessKeyId|SignatureDoesNotMatch|AuthorizationHeaderMalformed/.test(name))
      return `the credentials are refused (HTTP 400 ${name}); check S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and S3_REGION`;
    const message = error instanceof Error ? error.message : String(error);
    if (status === undefined) {
      const timedOut = name === 'TimeoutError' || code === 'ETIMEDOUT' || /timed? ?out/i.test(name);
      return `${timedOut ? 'no answer in time (S3_TIMEOUT_MS)' : 'cannot reach the S3 server (S3_ENDPOINT)'}: ${name}${typeof code === 'string' && !message.includes(code) ? ` ${code}` : ''}: ${message}`;
    }
    return `${name} (HTTP ${status}): ${message}`;
  }
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode;
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return meta?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'NotFound' || name === 'NoSuchKey' || (statusOf(error) === 404 && name !== 'NoSuchBucket');
}

function isConflict(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409;
}
