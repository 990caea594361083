/**
 * A source's hour in parts (issue 27), in the workflow: `listParts` says which parts the hour has
 * (or that the source is not to be called); each part is landed by its own `landPart` activity, on
 * any worker, at most `concurrency` at once; a part whose successors are known only once it is
 * fetched (a cursor page) is fetched first by `fetchPart`, and landed while the next is fetched.
 * A part that fails fails the source, after the parts already started have ended. Deterministic:
 * only activity results drive it. History per part: its activities' events and a small summary.
 */
import type { FetchSummary, PartInput, PartsPlan, PartTask } from '../activities/types';
import { formatHour } from '../core/importHour';

export interface PartActivities {
  listParts(input: { hour: string; runId: string; source: string; refetch: boolean }): Promise<PartsPlan>;
  fetchPart(input: PartInput): Promise<{ next: PartTask[] }>;
  landPart(input: PartInput): Promise<FetchSummary>;
}

export async function landInParts(
  activities: PartActivities,
  request: { hour: string; runId: string; source: string; refetch: boolean },
  concurrency: number,
): Promise<FetchSummary> {
  const plan = await activities.listParts(request);
  if (plan.summary !== undefined) return plan.summary;
  const limit = limiter(concurrency);
  const lands: Promise<FetchSummary>[] = [];
  // Handled at once (a failure is read below, once every part has ended): the workflow must not
  // see a rejection without a handler while the chain goes on.
  const land = (part: PartTask) => {
    const landing = limit(() => activities.landPart(input(part)));
    landing.catch(() => undefined);
    lands.push(landing);
  };
  const input = (part: PartTask): PartInput => ({
    hour: request.hour,
    runId: request.runId,
    source: request.source,
    part,
  });
  let failure: Error | undefined;
  try {
    let frontier = plan.parts;
    while (frontier.length > 0) {
      const chained = frontier.filter((part) => part.chain === true);
      for (const part of frontier) if (part.chain !== true) land(part);
      // A chain's next part is known only from this one: fetched one after the other, each landed
      // as soon as it is stored.
      const fetched = await Promise.all(
        chained.map(async (part) => {
          const { next } = await activities.fetchPart(input(part));
          // The part count its successors carry (page 1 announced it) sizes its landing too.
          const of = part.of ?? next[0]?.of;
          land(of === undefined ? part : { ...part, of });
          return next;
        }),
      );
      frontier = fetched.flat();
    }
  } catch (error) {
    failure = error as Error;
  }
  // Every part started is let end before the source is reported, failed or not.
  const settled = await Promise.allSettled(lands);
  const rejected = settled.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure;
  if (rejected?.status === 'rejected') throw rejected.reason as Error;
  const summaries = settled.map((result) => (result as PromiseFulfilledResult<FetchSummary>).value);
  return sumParts(request.source, summaries);
}

/** Runs at most `limit` tasks at once, the others in the order they came. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    // A slot is handed from the task that ends to the first waiting one.
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

/** The counts a source's summary adds up over its batches. */
const COUNTS = [
  'replacedBatches',
  'batches',
  'fetched',
  'valid',
  'rejected',
  'duplicates',
  'corrections',
] as const;

/** The source's summary: its parts' counts added up (stage seconds too: time spent, all parts). */
export function sumParts(source: string, parts: readonly FetchSummary[]): FetchSummary {
  const sum: FetchSummary = {
    source,
    reusedLanded: false,
    ...(Object.fromEntries(COUNTS.map((count) => [count, 0])) as Record<(typeof COUNTS)[number], number>),
    rejectedByReason: {},
    correctedHours: [],
  };
  const hours = new Set<string>();
  const stages: Record<string, number> = {};
  const addTo = (into: Record<string, number>, from: Record<string, number> | undefined) => {
    for (const [name, value] of Object.entries(from ?? {})) into[name] = (into[name] ?? 0) + value;
  };
  for (const part of parts) {
    for (const count of COUNTS) sum[count] += part[count];
    addTo(sum.rejectedByReason, part.rejectedByReason);
    addTo(stages, part.stageSeconds);
    for (const hour of part.correctedHours) hours.add(formatHour(new Date(hour)));
  }
  sum.correctedHours = [...hours].sort();
  return Object.keys(stages).length > 0 ? { ...sum, stageSeconds: stages } : sum;
}
