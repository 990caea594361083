/**
 * A pull's answer copied into the landing store as it downloads, so that another host finds it
 * when the worker that downloaded it dies right after the last byte: the local park
 * (adapters/files/parkedAnswers.ts) survives only on that host, and the heartbeat's note
 * (activities/strandedAnswer.ts) only after Temporal records it. The copy is best-effort: a store
 * that fails or falls behind while the answer arrives gives the copy up, never the download, and
 * the park then holds the answer. The object becomes visible only once the download has succeeded
 * (`complete`); the landing then records it in `raw_bodies`, which is what makes it an answer a
 * retry lands (core/landingKeys.ts `incomingBodyKey`).
 */
import type { ObjectStore, ObjectWrite, StoredObject } from '../objectStore/types';

/**
 * Bytes waiting for the store, at most, before the copy is given up (the store is slower than the
 * partner): beside the S3 upload's own part buffers (adapters/objectStore/s3.ts).
 */
export const INCOMING_BUFFER_BYTES = 64 * 1024 * 1024;

/** How the copy ended: the whole object, or why there is none. */
export type IncomingOutcome = { stored: StoredObject } | { failure: unknown };

export class IncomingCopy {
  private write: ObjectWrite | undefined;
  private failure: unknown;

  constructor(
    private readonly store: ObjectStore,
    readonly key: string,
  ) {}

  /** Takes the next chunk of the answer (the store is opened on the first). Never throws. */
  readonly push = (chunk: Buffer): void => {
    if (this.failure !== undefined) return;
    try {
      if (this.write === undefined) {
        const write = this.store.openWrite(this.key);
        this.write = write;
        write.stream.on('error', (error: unknown) => this.giveUp(error));
      }
      if (this.write.stream.writableLength > INCOMING_BUFFER_BYTES) {
        this.giveUp(new Error(`the landing store fell ${INCOMING_BUFFER_BYTES} bytes behind the download`));
        return;
      }
      this.write.stream.write(chunk);
    } catch (error) {
      this.giveUp(error);
    }
  };

  /**
   * The download succeeded: the object made whole under the key, or why it is not; undefined when
   * the source gave no bytes to copy (it does not stream its answer). Never rejects.
   */
  async complete(): Promise<IncomingOutcome | undefined> {
    const write = this.write;
    if (write === undefined) return this.failure === undefined ? undefined : { failure: this.failure };
    if (this.failure !== undefined) {
      await write.abort();
      return { failure: this.failure };
    }
    try {
      return { stored: await write.complete() };
    } catch (error) {
      await write.abort();
      return { failure: error };
    }
  }

  /** The download failed: nothing becomes visible. Never rejects. */
  async abort(): Promise<void> {
    this.failure ??= new Error('the download failed');
    await this.write?.abort();
  }

  private giveUp(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error ?? new Error('the copy failed');
    void this.write?.abort();
  }
}
