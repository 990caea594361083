/**
 * A pull source's answer kept on the worker's disk from its last byte until the landing store and
 * the database have it (`raw_bodies`): an attempt that fails in between (the store away, the
 * worker killed) is retried from this file instead of calling the source again, which would answer
 * other, present readings. Kept under DATA_DIR/scratch/answers, which every worker on the machine
 * sees and none deletes at start; a rename, so the file survives a killed process (not a lost
 * machine: the store is the durable copy). One file per (source, batch key), beside a small JSON
 * file with its sha256 and when it was fetched, written last: an answer without it is ignored.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256OfStream } from '../objectStore/keys';

export interface ParkedAnswer {
  bodyFile: string;
  bodySha256: string;
  fetchedAt: Date;
}

export class ParkedAnswers {
  constructor(readonly dir: string) {}

  /** The answer's two files here (body, then its record): the same names on every host. */
  filesOf(source: string, batchKey: string): [string, string] {
    const base = this.base(source, batchKey);
    return [`${base}.json`, `${base}.meta.json`];
  }

  private base(source: string, batchKey: string): string {
    const id = createHash('sha256').update(`${source}\n${batchKey}`).digest('hex').slice(0, 32);
    return path.join(this.dir, `${source.replace(/[^A-Za-z0-9-]/g, '_')}-${id}`);
  }

  /** Moves the downloaded file here (same file system: a rename) and records what it is. */
  async park(
    source: string,
    batchKey: string,
    answer: { bodyFile: string; bodySha256?: string; fetchedAt: Date },
  ): Promise<ParkedAnswer> {
    await fs.mkdir(this.dir, { recursive: true });
    const base = this.base(source, batchKey);
    const bodySha256 = answer.bodySha256 ?? (await sha256OfStream(createReadStream(answer.bodyFile))).sha256;
    await fs.rm(`${base}.meta.json`, { force: true });
    await fs.rename(answer.bodyFile, `${base}.json`);
    const meta = JSON.stringify({ source, batchKey, bodySha256, fetchedAt: answer.fetchedAt.toISOString() });
    await fs.writeFile(`${base}.meta.json.tmp`, meta);
    await fs.rename(`${base}.meta.json.tmp`, `${base}.meta.json`);
    return { bodyFile: `${base}.json`, bodySha256, fetchedAt: answer.fetchedAt };
  }

  /** The answer an earlier attempt parked for this batch, if any (its sha256 checked). */
  async find(source: string, batchKey: string): Promise<ParkedAnswer | undefined> {
    const base = this.base(source, batchKey);
    let meta: { source?: unknown; batchKey?: unknown; bodySha256?: unknown; fetchedAt?: unknown };
    try {
      meta = JSON.parse(await fs.readFile(`${base}.meta.json`, 'utf8')) as typeof meta;
    } catch {
      return undefined;
    }
    if (meta.source !== source || meta.batchKey !== batchKey || typeof meta.bodySha256 !== 'string')
      return undefined;
    const bodyFile = `${base}.json`;
    try {
      const { sha256 } = await sha256OfStream(createReadStream(bodyFile));
      if (sha256 !== meta.bodySha256) return undefined;
    } catch {
      return undefined;
    }
    return { bodyFile, bodySha256: meta.bodySha256, fetchedAt: new Date(String(meta.fetchedAt)) };
  }

  /**
   * The store and the database have the answer: the local copy goes, or moves to `keepAs` (the
   * landing's work folder, so that it is parsed from here instead of downloaded again). Resolves
   * with `keepAs` when it moved there, undefined otherwise.
   */
  async release(source: string, batchKey: string, keepAs?: string): Promise<string | undefined> {
    const base = this.base(source, batchKey);
    await fs.rm(`${base}.meta.json`, { force: true });
    if (keepAs !== undefined) {
      const moved = await fs.rename(`${base}.json`, keepAs).then(
        () => true,
        () => false,
      );
      if (moved) return keepAs;
    }
    await fs.rm(`${base}.json`, { force: true });
    return undefined;
  }
}
