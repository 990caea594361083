/**
 * Counts the traffic to a store: bytes and requests, read and written, by the activity that made
 * them. The activity is known from the async context its work runs in (`TrafficMeter.measure`,
 * called by the worker's activity interceptor); work outside any activity counts as `none`.
 * Listeners (the worker's Prometheus counters) hear each count as it happens, so a long activity
 * shows its traffic before it ends.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream';
import type { ListedObject, ObjectStore, ObjectWrite, PutOptions, StoredObject } from './types';

export type TrafficDirection = 'read' | 'write';

/** Bytes and requests one activity execution (or one benchmark hour) made to the store. */
export interface StoreTraffic {
  readBytes: number;
  readRequests: number;
  writeBytes: number;
  writeRequests: number;
}

export type TrafficListener = (
  activity: string,
  direction: TrafficDirection,
  bytes: number,
  requests: number,
) => void;

export function noTraffic(): StoreTraffic {
  return { readBytes: 0, readRequests: 0, writeBytes: 0, writeRequests: 0 };
}

/** Adds one count to `traffic`. */
export function addTraffic(
  traffic: StoreTraffic,
  direction: TrafficDirection,
  bytes: number,
  requests: number,
): void {
  if (direction === 'read') {
    traffic.readBytes += bytes;
    traffic.readRequests += requests;
  } else {
    traffic.writeBytes += bytes;
    traffic.writeRequests += requests;
  }
}

export class TrafficMeter {
  private readonly scope = new AsyncLocalStorage<{ activity: string; traffic: StoreTraffic }>();
  private readonly listeners = new Set<TrafficListener>();
  /** Everything counted by this meter, in any activity or none. */
  readonly total = noTraffic();

  /** Runs `work` counting what it does to the store as `activity`'s; `traffic` holds it afterwards. */
  async measure<T>(
    activity: string,
    work: () => Promise<T>,
    traffic: StoreTraffic = noTraffic(),
  ): Promise<T> {
    return this.scope.run({ activity, traffic }, work);
  }

  /** Hears every count from now on; returns the function that stops it. */
  listen(listener: TrafficListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  count(direction: TrafficDirection, bytes: number, requests = 1): void {
    const scope = this.scope.getStore();
    addTraffic(this.total, direction, bytes, requests);
    if (scope !== undefined) addTraffic(scope.traffic, direction, bytes, requests);
    for (const listener of this.listeners) listener(scope?.activity ?? 'none', direction, bytes, requests);
  }
}

/** The store, unchanged, with its traffic counted by `meter` (a failed request counts as one, no bytes). */
export class MeteredObjectStore implements ObjectStore {
  readonly url: string;

  constructor(
    readonly inner: ObjectStore,
    readonly meter: TrafficMeter,
  ) {
    this.url = inner.url;
  }

  private async counted<T>(
    direction: TrafficDirection,
    work: () => Promise<T>,
    bytes: (t: T) => Promise<number> | number,
  ) {
    let result: T;
    try {
      result = await work();
    } catch (error) {
      this.meter.count(direction, 0);
      throw error;
    }
    this.meter.count(direction, await bytes(result));
    return result;
  }

  putFile(key: string, localPath: string, options?: PutOptions): Promise<StoredObject> {
    return this.counted(
      'write',
      () => this.inner.putFile(key, localPath, options),
      (stored) => stored.bytes,
    );
  }

  openWrite(key: string): ObjectWrite {
    const write = this.inner.openWrite(key);
    return {
      ...write,
      complete: () =>
        this.counted(
          'write',
          () => write.complete(),
          (stored) => stored.bytes,
        ),
    };
  }

  replaceFile(key: string, localPath: string, sha256: string): Promise<StoredObject> {
    return this.counted(
      'write',
      () => this.inner.replaceFile(key, localPath, sha256),
      (stored) => stored.bytes,
    );
  }

  getFile(key: string, scratchDir: string): Promise<string> {
    return this.counted(
      'read',
      () => this.inner.getFile(key, scratchDir),
      async (file) => (await fs.stat(file)).size,
    );
  }

  async openRead(key: string): Promise<NodeJS.ReadableStream> {
    const body = await this.counted(
      'read',
      () => this.inner.openRead(key),
      () => 0,
    );
    const meter = this.meter;
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        meter.count('read', chunk.length, 0);
        done(null, chunk);
      },
    });
    // Errors of the body reach the reader through the counting stream.
    return pipeline(body, counting, () => undefined);
  }

  stat(key: string): Promise<{ bytes: number } | undefined> {
    return this.counted(
      'read',
      () => this.inner.stat(key),
      () => 0,
    );
  }

  check(): Promise<void> {
    return this.counted(
      'read',
      () => this.inner.check(),
      () => 0,
    );
  }

  delete(key: string): Promise<void> {
    return this.counted(
      'write',
      () => this.inner.delete(key),
      () => 0,
    );
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    this.meter.count('read', 0);
    yield* this.inner.list(prefix);
  }
}
