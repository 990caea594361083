/** How activities read landed objects: checked against the record, repaired from BACKUP_DIR's copy. */
import type { LandedReader } from '../adapters/backup/landedObjects';
import { storeId } from '../adapters/db/storeIdentity';
import type { ActivityDeps } from './deps';

export async function landedReader(deps: ActivityDeps): Promise<LandedReader> {
  return {
    landing: deps.landingStore,
    backups: { store: deps.backupStore, storeId: await storeId(deps.db) },
    onRepair: deps.onLandedRepair,
  };
}
