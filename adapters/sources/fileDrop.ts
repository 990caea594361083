/**
 * The file-drop source: NDJSON (*.ndjson, *.jsonl) and CSV (*.csv) files placed in a folder, each
 * consumed exactly once.
 *
 * - Writers must create the file under another name (a dotfile or another extension, e.g.
 *   `.readings.csv.tmp`) and rename it into place: only complete files are then ever seen.
 * - Each file is one batch keyed `file:<name>:<sha256 of content>`: the landing recognises a file
 *   landed before, even when a crash came between landing and acknowledging.
 * - `acknowledge` moves the file into `<dir>/processed/` once landed, only if its content is still
 *   the one landed (a file replaced in between is left, to be fetched as a new batch). Idempotent.
 * - A file that cannot be parsed at all (not UTF-8, no valid NDJSON line, a CSV without the needed
 *   header or with an unclosed quote) is moved to `<dir>/failed/`, next to a `<name>.error.txt`
 *   saying why, and `fetch` throws a non-retryable SourceError naming it. Moving it means the next
 *   import is not blocked by the same file forever; the other files stay in place for that import.
 * - As parts (`listParts`, `fetchPart`): each file is one part, landed by its own activity; a file
 *   that cannot be parsed fails its part only, after being moved to `failed/` the same way.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SourceError } from '../../core/errors';
import { FILE_DROP_SOURCE } from '../../core/policies';
import { parseCsvRecords, parseNdjson, UnparseableFile } from './fileParsers';
import type { PartListing, PartRef } from '../../core/parts';
import type { PartedSource, SourceBatch } from './types';

const PARSERS: Record<string, (text: string) => unknown[]> = {
  '.ndjson': parseNdjson,
  '.jsonl': parseNdjson,
  '.csv': parseCsvRecords,
};
const KEY = /^file:(.+):([0-9a-f]{64})$/;

export function fileBatchKey(name: string, sha256: string): string {
  return `file:${name}:${sha256}`;
}

export function createFileDropSource(config: { dir: string }, deps: { now?: () => Date } = {}): PartedSource {
  const now = deps.now ?? (() => new Date());
  const dir = path.resolve(config.dir);
  const processedDir = path.join(dir, 'processed');
  const failedDir = path.join(dir, 'failed');

  /** The files to land, in name order. */
  async function listNames(): Promise<string[]> {
    // Created on first use, so that the folder to drop into exists once the source is enabled.
    await fs.mkdir(dir, { recursive: true });
    return (await fs.readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && !entry.name.startsWith('.') && parserFor(entry.name) !== undefined)
      .map((entry) => entry.name)
      .sort();
  }

  return {
    name: FILE_DROP_SOURCE,

    async listParts(): Promise<PartListing> {
      const parts: PartRef[] = [];
      for (const name of await listNames()) {
        const content = await readIfPresent(path.join(dir, name));
        if (content === undefined) continue; // taken by a concurrent acknowledge
        const sha = sha256(content);
        parts.push({
          id: name,
          locator: name,
          key: fileBatchKey(name, sha),
          bytes: content.length,
          sha256: sha,
        });
      }
      return { parts, ignored: [], warnings: [] };
    },

    async fetchPart(_hour: Date, part: PartRef) {
      const content = await readIfPresent(path.join(dir, part.locator));
      if (content === undefined || sha256(content) !== part.sha256)
        throw new SourceError(
          FILE_DROP_SOURCE,
          `${part.locator} was ${content === undefined ? 'removed' : 'replaced'} after it was listed, before it was landed${content === undefined ? '' : ': the next import lands the new file'}`,
          { retryable: false },
        );
      try {
        const records = parseFile(part.locator, content);
        return {
          batch: { source: FILE_DROP_SOURCE, key: part.key ?? null, fetchedAt: now(), records },
          next: [],
        };
      } catch (error) {
        if (!(error instanceof UnparseableFile)) throw error;
        await setAside(dir, failedDir, part.locator, error.message);
        throw new SourceError(
          FILE_DROP_SOURCE,
          `cannot parse ${part.locator} (${error.message}): moved to ${failedDir}`,
          { retryable: false },
        );
      }
    },

    async fetch(): Promise<SourceBatch[]> {
      const names = await listNames();

      const batches: SourceBatch[] = [];
      const failures: string[] = [];
      for (const name of names) {
        const content = await readIfPresent(path.join(dir, name));
        if (content === undefined) continue; // taken by a concurrent acknowledge
        try {
          batches.push({
            source: FILE_DROP_SOURCE,
            key: fileBatchKey(name, sha256(content)),
            fetchedAt: now(),
            records: parseFile(name, content),
          });
        } catch (error) {
          if (!(error instanceof UnparseableFile)) throw error;
          failures.push(`${name} (${error.message})`);
          await setAside(dir, failedDir, name, error.message);
        }
      }
      if (failures.length > 0) {
        const left =
          batches.length === 0 ? '' : `; the other ${batches.length} file(s) stay for the next import`;
        throw new SourceError(
          FILE_DROP_SOURCE,
          `cannot parse ${failures.join(', ')}: moved to ${failedDir}${left}`,
          { retryable: false },
        );
      }
      return batches;
    },

    async acknowledge(batch: SourceBatch): Promise<void> {
      const match = batch.key === null ? null : KEY.exec(batch.key);
      if (batch.source !== FILE_DROP_SOURCE || !match) {
        throw new Error(`file-drop cannot acknowledge batch ${batch.source}/${batch.key ?? 'null'}`);
      }
      const [, name = '', landedSha = ''] = match;
      const file = path.join(dir, name);
      const content = await readIfPresent(file);
      // Gone: acknowledged already (a retried activity). Changed: a new file under the same name.
      if (content === undefined || sha256(content) !== landedSha) return;
      await fs.mkdir(processedDir, { recursive: true });
      await fs.rename(file, await freeName(processedDir, name, landedSha));
    },
  };
}

function parserFor(name: string): ((text: string) => unknown[]) | undefined {
  return PARSERS[path.extname(name).toLowerCase()];
}

function parseFile(name: string, content: Buffer): unknown[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content); // also drops a BOM
  } catch {
    throw new UnparseableFile('not UTF-8 text');
  }
  const parser = parserFor(name);
  if (parser === undefined) throw new UnparseableFile('unknown extension');
  return parser(text);
}

/** `<name>` when free, else `<name>.<sha prefix>`, else with the time too: never overwrite a kept file. */
async function freeName(folder: string, name: string, sha: string): Promise<string> {
  const candidates = [name, `${name}.${sha.slice(0, 12)}`, `${name}.${sha.slice(0, 12)}.${Date.now()}`];
  for (const candidate of candidates) {
    const target = path.join(folder, candidate);
    if (!(await exists(target))) return target;
  }
  return path.join(folder, `${name}.${sha}.${process.pid}.${Date.now()}`);
}

async function setAside(dir: string, failedDir: string, name: string, reason: string): Promise<void> {
  await fs.mkdir(failedDir, { recursive: true });
  const content = await readIfPresent(path.join(dir, name));
  if (content === undefined) return;
  const target = await freeName(failedDir, name, sha256(content));
  await fs.rename(path.join(dir, name), target);
  await fs.writeFile(`${target}.error.txt`, `${name}: ${reason}\n`);
}

/** The file's bytes, or undefined when it is gone; other read errors (permissions) are worth retrying. */
async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new SourceError(FILE_DROP_SOURCE, `cannot read ${file}: ${code ?? String(error)}`, {
      retryable: true,
    });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
