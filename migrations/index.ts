import type { Knex } from 'knex';
import * as initial from './001_initial';
import * as threeHoursBefore from './002_three_hours_before_view';
import * as readingsByImportHour from './003_readings_by_import_hour';
import * as storeIdentity from './004_store_identity';
import * as quarantineRawText from './005_quarantine_raw_text';
import * as columnarLanding from './006_columnar_landing';
import * as versionRuns from './007_version_runs';
import * as bucketDeltas from './008_bucket_deltas';
import * as correctionFiles from './009_correction_files';

/**
 * The migrations, listed in order. Listed rather than discovered on disk so that they load the same
 * way under tsx, jest and a bundled build; add a new file here when you add one.
 */
const migrations: Record<string, Knex.Migration> = {
  '001_initial': initial,
  '002_three_hours_before_view': threeHoursBefore,
  '003_readings_by_import_hour': readingsByImportHour,
  '004_store_identity': storeIdentity,
  '005_quarantine_raw_text': quarantineRawText,
  '006_columnar_landing': columnarLanding,
  '007_version_runs': versionRuns,
  '008_bucket_deltas': bucketDeltas,
  '009_correction_files': correctionFiles,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: () => Promise.resolve(Object.keys(migrations)),
  getMigrationName: (name) => name,
  getMigration: (name) => {
    const migration = migrations[name];
    if (!migration) throw new Error(`unknown migration ${name}`);
    return Promise.resolve(migration);
  },
};
