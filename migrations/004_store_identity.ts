import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * The database's store id: one row, a random uuid made when this migration first runs. Every
 * object the pipeline writes to the landing store (and every backup) sits under `<store id>/`,
 * so two databases pointed at one folder or bucket (staging and production, two test runs) never
 * see nor overwrite each other's files. A restore brings the lost database's id back with its rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('store_identity', (t) => {
    // Always true, and the primary key: the table cannot hold a second row.
    t.boolean('singleton').primary().notNullable().defaultTo(true);
    t.uuid('store_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('ALTER TABLE store_identity ADD CONSTRAINT store_identity_singleton CHECK (singleton)');
  await knex('store_identity').insert({ store_id: randomUUID() });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('store_identity');
}
