import type { Knex } from 'knex';

/**
 * A batch's corrections of earlier hours land in one Parquet file per bucket, whatever hours they
 * belong to (adapters/analytics/landing.ts `writeFiles`, core/landingKeys.ts `CORRECTIONS`):
 * `landed_files` records such a file once for each (hour, bucket) it holds, with those rows. An
 * object key is therefore unique per (hour, bucket), no longer alone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('landed_files', (t) => {
    t.dropUnique(['object_key']);
    t.unique(['object_key', 'belongs_to_hour', 'bucket']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('landed_files', (t) => {
    t.dropUnique(['object_key', 'belongs_to_hour', 'bucket']);
    t.unique(['object_key']);
  });
}
