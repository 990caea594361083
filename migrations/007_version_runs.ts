import type { Knex } from 'knex';

/**
 * The version index (issue 23, docs/versioning.md "The version index"): each batch's version run, an
 * object in the landing store put before the batch commits and recorded here in the batch's own
 * transaction, beside its `landed_files`. A batch landed before this migration has no run until
 * `tempctl versions rebuild` writes it; until then lookups read that batch's Parquet files.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('version_runs', (t) => {
    t.bigInteger('batch_id').primary().references('fetch_batches.batch_id');
    t.text('object_key').notNullable().unique();
    t.bigInteger('entries').notNullable();
    t.bigInteger('bytes').notNullable();
    t.text('sha256').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('version_runs');
}
