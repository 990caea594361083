import type { Knex } from 'knex';

/** Backups and restores read an hour's landed rows by import hour: without this, a full scan every hour. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('readings', (t) => t.index(['import_hour']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('readings', (t) => t.dropIndex(['import_hour']));
}
