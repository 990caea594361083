/**
 * A Temporal server that cannot be reached, said in words an operator can act on: which address,
 * and which setting names it. The SDK's own message ("Failed to connect before the deadline")
 * names neither.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { TemporalFailure } from '@temporalio/common';
import type { FailureOrigin } from '../../core/failureOrigin';

/**
 * Errors that are a run's own outcome, not the connection's: a failed, cancelled, terminated or
 * timed-out import carries its causes (ECONNREFUSED at the partner, a store's connection reset),
 * and they must never read as a lost Temporal server. Told by type (the SDK's classes and names).
 */
const OUTCOME_ERRORS = new Set([
  'WorkflowFailedError',
  'WorkflowContinuedAsNewError',
  'WorkflowNotFoundError',
  'WorkflowExecutionAlreadyStartedError',
]);

function isRunOutcome(error: unknown): boolean {
  if (error instanceof WorkflowFailedError || error instanceof TemporalFailure) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && OUTCOME_ERRORS.has(name);
}

/**
 * True for gRPC failures that mean "the server is not there right now" (UNAVAILABLE,
 * DEADLINE_EXCEEDED); never for the outcome of a run (isRunOutcome), whatever its causes say.
 */
export function isTemporalUnavailable(error: unknown): boolean {
  if (isRunOutcome(error)) return false;
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    if (isRunOutcome(current)) return false;
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (code === 14 || code === 4) return true;
    // A connection cut mid-call can also surface as INTERNAL "RST_STREAM" or CANCELLED by the peer.
    if (
      typeof message === 'string' &&
      /^(14 UNAVAILABLE|4 DEADLINE_EXCEEDED)|Failed to connect before the deadline|RST_STREAM|ECONNRESET|ECONNREFUSED|Connection dropped/.test(
        message,
      )
    )
      return true;
    current = cause;
  }
  return false;
}

/** Where a Temporal failure's origin points (core/failureOrigin.ts). */
export const TEMPORAL_ORIGIN: FailureOrigin = { component: 'temporal', setting: 'TEMPORAL_ADDRESS' };

export function temporalUnreachable(address: string, error: unknown): Error {
  const detail = error instanceof Error ? error.message : String(error);
  return withTemporalOrigin(
    new Error(
      `cannot reach the Temporal server at ${address} (TEMPORAL_ADDRESS): ${detail}; ` +
        'start it (`tempctl demo` starts a dev server) or set TEMPORAL_ADDRESS to its host:port',
    ),
  );
}

/** The error, marked as Temporal's failure. */
export function withTemporalOrigin(error: Error): Error {
  return Object.assign(error, { origin: TEMPORAL_ORIGIN });
}
