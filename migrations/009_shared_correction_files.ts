import type { Knex } from 'knex';

/**
 * A batch's corrections of an earlier hour land in one Parquet file for that hour, whatever buckets
 * they fall in (adapters/analytics/landing.ts `writeFiles`): `landed_files` records such a file once
 * for each bucket it holds, with that bucket's rows. An object key is therefore unique per bucket,
 * no longer alone; every file still holds the readings of one hour only (`belongs_to_hour`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('landed_files', (t) => {
    t.dropUnique(['object_key']);
    t.unique(['object_key', 'bucket']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('landed_files', (t) => {
    t.dropUnique(['object_key', 'bucket']);
    t.unique(['object_key']);
  });
}
