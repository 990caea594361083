/**
 * What a backfill is asked for, its workflow id and its input: shared by `backfillWindow` (what
 * `tempctl backfill` starts, client/backfillWindow.ts) and the retired `backfill` workflow, whose
 * runs started before the change may still be open under the same ids.
 */
import { formatHour } from '../core/importHour';
import type { BackfillSelection } from '../core/backfillPlan';

export interface BackfillRequest {
  from: Date;
  to: Date;
  only: BackfillSelection;
  /** Hours recomputed at once, within BACKFILL_CONCURRENCY (workflows/backfill.ts); others are refused. */
  concurrency?: number;
}

/** One id per range and selection: the same backfill asked for twice is refused while it runs. */
export function backfillWorkflowId(request: Pick<BackfillRequest, 'from' | 'to' | 'only'>): string {
  return `backfill-${formatHour(request.from)}-${formatHour(request.to)}-${request.only}`;
}

/** The workflows' input for a request: its hours as ISO strings (workflows/backfill.ts). */
export function backfillInput(request: BackfillRequest) {
  return {
    from: formatHour(request.from),
    to: formatHour(request.to),
    only: request.only,
    concurrency: request.concurrency,
  };
}
