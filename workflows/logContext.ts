/**
 * Workflow interceptor (bundled with the workflows): every log line of an import workflow carries
 * its import hour, read from the workflow id, so the hour is there from the run's first line on.
 */
import { workflowInfo, type WorkflowInterceptors } from '@temporalio/workflow';
import { importHourOfWorkflowId } from '../core/importHour';

export function interceptors(): WorkflowInterceptors {
  return {
    outbound: [
      {
        getLogAttributes(input, next) {
          const importHour = importHourOfWorkflowId(workflowInfo().workflowId);
          return next(importHour === undefined ? input : { ...input, importHour });
        },
      },
    ],
  };
}
