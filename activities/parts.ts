/**
 * A source's hour in parts (issue 27; workflows/parts.ts orchestrates). `listParts` decides as
 * `fetchSource` does (`decideFor`) whether the source is called, and lists the hour's parts with
 * their batch keys; `fetchPart` fetches and stores a part whose successors only it reveals (a
 * cursor page), keeping them beside it in the landing store; `landPart` lands one part, fetching
 * it first unless an earlier attempt (or `fetchPart`) has it in hand. A part is one batch, landed
 * like one answer (adapters/landing/: stored before it is parsed), so a retry finds what an earlier
 * attempt stored or landed, and no attempt ever asks the source for another part.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { log } from '@temporalio/activity';
import { isObjectNotFoundError, UnknownSourceError } from '../core/errors';
import { nextPartsKey } from '../core/landingKeys';
import { pagePartKey, type PartRef } from '../core/parts';
import { createLanding, segmentOf, type LandingBatch } from '../adapters/landing';
import { PartFiles } from '../adapters/analytics/bodyParts';
import { isPartedSource, type PartedSource } from '../adapters/sources/types';
import type { FetchSourceInput, FetchSummary, PartInput, PartsPlan, PartTask } from './types';
import type { ActivityDeps } from './deps';
import { addLanding, decideFor, emptySummary, landingCall } from './fetch';
import { cancellationSignal, withHeartbeat } from './heartbeat';

export function createPartActivities(deps: ActivityDeps) {
  const parted = new Map(deps.sources.filter(isPartedSource).map((source) => [source.name, source]));
  // Part files for the landings running at once on this worker (a folder of their own: fetch.ts
  // has its own set).
  const partFiles = new PartFiles(path.join(deps.scratchDir, 'part-landings'), deps.analytics.threads);
  const landing = createLanding(deps);

  function sourceOf(name: string): PartedSource {
    const source = parted.get(name);
    if (!source) throw new UnknownSourceError(name, [...parted.keys()]);
    return source;
  }

  async function listParts(input: FetchSourceInput): Promise<PartsPlan> {
    const source = sourceOf(input.source);
    const decision = await decideFor(deps, input);
    if (decision.kind === 'done')
      return { source: input.source, parts: [], ignored: [], summary: decision.summary };
    const listing = await withHeartbeat(`list ${input.source} ${input.hour}`, () =>
      source.listParts(new Date(input.hour), { signal: cancellationSignal() }),
    );
    for (const message of [...listing.warnings, ...listing.ignored.map((what) => `not landed: ${what}`)])
      log.warn(`${input.source}: ${message}`, { source: input.source, hour: input.hour });
    return {
      source: input.source,
      parts: listing.parts.map((part) =>
        taskOf(
          part.chain === true || part.of !== undefined ? part : { ...part, of: listing.parts.length },
          decision,
        ),
      ),
      ignored: listing.ignored,
    };
  }

  async function fetchPart(input: PartInput): Promise<{ next: PartTask[] }> {
    const source = sourceOf(input.source);
    const { part } = input;
    const hour = new Date(input.hour);
    const keptAt = nextPartsKey(source.name, hour, segmentOf(part.batchKey));
    return withWorkDir('fetch-part', async (workDir) =>
      withHeartbeat(`fetch ${input.source} ${input.hour} ${part.id}`, async (beat) => {
        const kept = await readKept(keptAt, workDir);
        let inHand = await landing.answerInHand(source.name, part.batchKey);
        let next = kept;
        if (inHand === undefined || kept === undefined) {
          beat.stage('download');
          const fetched = await source.fetchPart(hour, part, workDir, { signal: cancellationSignal() });
          next = fetched.next.map((after) => taskOf(after, part));
          // Kept before the answer is stored: a retry that finds the answer finds its successors.
          if (kept === undefined) await keep(keptAt, next, workDir);
          const [parked] = await landing.park(source.name, part.batchKey, [fetched.batch]);
          inHand ??= parked === undefined ? undefined : { how: 'parked', batch: parked };
        }
        if (inHand !== undefined)
          await landing.store(inHand.batch, target(input, workDir, []), landingCall(deps, beat));
        return { next: next ?? [] };
      }),
    );
  }

  async function landPart(input: PartInput): Promise<FetchSummary> {
    const source = sourceOf(input.source);
    const { part } = input;
    const hour = new Date(input.hour);
    const parts = partFiles.acquire();
    try {
      return await withWorkDir('land-part', (workDir) =>
        withHeartbeat(`land ${input.source} ${input.hour} ${part.id}`, async (beat) => {
          const summary = emptySummary(input.source);
          // Stored by fetchPart or an earlier attempt, or downloaded and parked: landed from there.
          const inHand = await landing.answerInHand(source.name, part.batchKey);
          beat.stage(inHand === undefined ? 'download' : `reusing the ${inHand.how} answer`);
          const batch: LandingBatch =
            inHand?.batch ??
            (
              await landing.park(source.name, part.batchKey, [
                (
                  await source.fetchPart(hour, part, workDir, {
                    partFiles: parts.files,
                    signal: cancellationSignal(),
                  })
                ).batch,
              ])
            )[0]!;
          for (const warning of batch.warnings ?? [])
            log.warn(`${input.source}: ${warning}`, { source: input.source });
          const result = await landing.land(
            batch,
            target(input, workDir, parts.files),
            landingCall(deps, beat),
          );
          await source.acknowledge(batch);
          // A part another run landed (a file dropped again unchanged) adds nothing to this run.
          if (result.landedByRun === input.runId) addLanding(summary, result);
          return { ...summary, stageSeconds: beat.timings() };
        }),
      );
    } finally {
      parts.release();
    }
  }

  function target(input: PartInput, workDir: string, files: readonly string[]) {
    return {
      source: input.source,
      hour: new Date(input.hour),
      runId: input.runId,
      batchKey: input.part.batchKey,
      supersedePrefix: input.part.supersedePrefix,
      partsInHour: input.part.of,
      workDir,
      partFiles: files,
    };
  }

  /** The successors an earlier attempt kept, or undefined. */
  async function readKept(key: string, workDir: string): Promise<PartTask[] | undefined> {
    try {
      return JSON.parse(
        await fs.readFile(await deps.landingStore.getFile(key, workDir), 'utf8'),
      ) as PartTask[];
    } catch (error) {
      if (isObjectNotFoundError(error)) return undefined;
      throw error;
    }
  }

  async function keep(key: string, next: PartTask[], workDir: string): Promise<void> {
    const file = path.join(workDir, `next-${randomUUID()}.json`);
    await fs.writeFile(file, JSON.stringify(next));
    await deps.landingStore.putFile(key, file, { move: true });
  }

  async function withWorkDir<T>(kind: string, work: (dir: string) => Promise<T>): Promise<T> {
    const workDir = path.join(deps.scratchDir, `${kind}-${randomUUID()}`);
    await fs.mkdir(workDir, { recursive: true });
    try {
      return await work(workDir);
    } finally {
      await fs.rm(workDir, { recursive: true, force: true });
    }
  }

  return { listParts, fetchPart, landPart };
}

/**
 * A part with the batch key it lands under: its own (an object, a file), or the pull's with the
 * part's id (a page: `pull:<hour>#page-000003`, so that a refetch's pages are its own).
 */
function taskOf(part: PartRef, pull: { pullKey: string; supersedePrefix?: string } | PartTask): PartTask {
  const pullKey = 'pullKey' in pull ? pull.pullKey : pull.batchKey.slice(0, -`#${pull.id}`.length);
  const supersedePrefix = pull.supersedePrefix;
  if (part.key !== undefined) return { ...part, batchKey: part.key };
  return {
    ...part,
    batchKey: pagePartKey(pullKey, part),
    ...(supersedePrefix === undefined ? {} : { supersedePrefix }),
  };
}
