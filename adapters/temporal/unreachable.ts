/**
 * A Temporal server that cannot be reached, said in words an operator can act on: which address,
 * and which setting names it. The SDK's own message ("Failed to connect before the deadline")
 * names neither.
 */

/** True for gRPC failures that mean "the server is not there right now" (UNAVAILABLE, DEADLINE_EXCEEDED). */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
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

export function temporalUnreachable(address: string, error: unknown): Error {
  const detail = error instanceof Error ? error.message : String(error);
  return new Error(
    `cannot reach the Temporal server at ${address} (TEMPORAL_ADDRESS): ${detail}; ` +
      'start it (`tempctl demo` starts a dev server) or set TEMPORAL_ADDRESS to its host:port',
  );
}
