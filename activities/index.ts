/**
 * The import's activities, composed from one file per concern: fetching and landing (fetch.ts; a
 * source's hour in parts, parts.ts),
 * the hour's fanned-out computation (compute.ts), the ledger, checks and plans (ledger.ts), backups
 * (backup.ts). Every dependency is injected, so tests build them with real components.
 */
import { withFailureMapping } from './failures';
import { createFetchActivities } from './fetch';
import { createPartActivities } from './parts';
import { createComputeActivities } from './compute';
import { createLedgerActivities } from './ledger';
import { createBackupActivities } from './backup';
import type { ActivityDeps } from './deps';

export type { ActivityDeps } from './deps';
export type { RunEndEvent } from './ledger';

export function createActivities(deps: ActivityDeps) {
  return withFailureMapping(
    {
      ...createLedgerActivities(deps),
      ...createFetchActivities(deps),
      ...createPartActivities(deps),
      ...createComputeActivities(deps),
      ...createBackupActivities(deps),
    },
    deps.database,
  );
}

export type Activities = ReturnType<typeof createActivities>;
