/** What a workflow run's history costs: its events, and its size as the server stores it. */
import type { Client } from '@temporalio/client';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';

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
