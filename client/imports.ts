/** Starting one hour's import and waiting for its summary. */
import {
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { formatHour, workflowIdForHour } from '../core/importHour';
import type { ImportTrigger } from '../activities/types';
import { hourlyImport } from '../workflows/hourlyImport';
import type { ImportSummary } from '../workflows/summary';
import type { ClientConfig } from './connection';

export interface ImportOptions {
  /** Call the sources again even when the hour was landed (replaces its earlier batch). */
  refetch?: boolean;
  trigger?: Exclude<ImportTrigger, 'schedule'>;
}

/**
 * Starts the hour's import, or attaches to the one already running for that hour (one workflow id
 * per hour). A finished hour can be started again: that is a rerun. A refetch never attaches: it
 * fails with WorkflowExecutionAlreadyStartedError while the hour's import runs, as attaching would
 * silently drop the refetch.
 */
export async function startImport(
  client: Client,
  config: ClientConfig,
  hour: Date,
  options: ImportOptions = {},
): Promise<WorkflowHandle<typeof hourlyImport>> {
  return client.workflow.start(hourlyImport, {
    workflowId: workflowIdForHour(hour),
    taskQueue: config.temporal.taskQueue,
    args: [
      { hour: formatHour(hour), trigger: options.trigger ?? 'manual', refetch: options.refetch ?? false },
    ],
    workflowIdConflictPolicy: options.refetch
      ? WorkflowIdConflictPolicy.FAIL
      : WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  });
}

/** `startImport`, then its summary; a failed import rejects with a WorkflowFailedError. */
export async function runImport(
  client: Client,
  config: ClientConfig,
  hour: Date,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  return (await startImport(client, config, hour, options)).result();
}
