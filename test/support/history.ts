/** What a workflow run's history costs: its events, and its size as the server stores it. */
import type { Client } from '@temporalio/client';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { tsToMs } from '@temporalio/common/lib/time';

export interface HistorySize {
  events: number;
  /** Bytes of the history's protobuf encoding (what Temporal's 50 MB limit and 10 MB warning count). */
  bytes: number;
  /** Activities the run scheduled. */
  activities: number;
}

export function historySize(history: History): HistorySize {
  // fetchHistory returns the SDK's protobuf message: its class encodes it as the server stores it.
  const type = history.constructor as { encode?(h: History): { finish(): Uint8Array } };
  const events = history.events ?? [];
  return {
    events: events.length,
    bytes: type.encode ? type.encode(history).finish().length : historyToJSON(history).length,
    activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
  };
}

/** The latest run of `workflowId` (or `runId`), measured. */
export async function runHistorySize(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<HistorySize> {
  return historySize(await client.workflow.getHandle(workflowId, runId).fetchHistory());
}

export interface CompletedActivity {
  type: string;
  /** The worker that completed it (`pid@hostname`, the SDK's default identity). */
  identity: string;
  /** The attempt that completed (the history keeps only the last attempt's start). */
  attempt: number;
  /** When its last attempt started and when it completed (ms since the epoch). */
  startedAt: number;
  at: number;
  /** The part's page number for the part activities (their input's `part.page`), else undefined. */
  page?: number;
}

/** Every completed activity of a run's history, in the order completed. */
export function completedActivities(history: History): CompletedActivity[] {
  const scheduled = new Map<string, { type: string; page?: number }>();
  const started = new Map<string, { attempt: number; at: number }>();
  const completed: CompletedActivity[] = [];
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s)
      scheduled.set(String(event.eventId), {
        type: s.activityType?.name ?? '?',
        page: pageOf(s.input?.payloads?.[0]?.data),
      });
    const a = event.activityTaskStartedEventAttributes;
    if (a) started.set(String(a.scheduledEventId), { attempt: a.attempt ?? 1, at: tsToMs(event.eventTime) });
    const done = event.activityTaskCompletedEventAttributes;
    if (done) {
      const key = String(done.scheduledEventId);
      const { type, page } = scheduled.get(key) ?? { type: '?' };
      completed.push({
        type,
        identity: done.identity ?? '?',
        attempt: started.get(key)?.attempt ?? 1,
        startedAt: started.get(key)?.at ?? 0,
        at: tsToMs(event.eventTime),
        ...(page === undefined ? {} : { page }),
      });
    }
  }
  return completed;
}

/** `part.page` of a JSON-encoded activity input (workflows/parts.ts PartInput), or undefined. */
function pageOf(data: Uint8Array | null | undefined): number | undefined {
  if (!data) return undefined;
  try {
    const page = (JSON.parse(Buffer.from(data).toString('utf8')) as { part?: { page?: unknown } }).part?.page;
    return typeof page === 'number' ? page : undefined;
  } catch {
    return undefined;
  }
}
