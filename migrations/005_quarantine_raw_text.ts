import type { Knex } from 'knex';

/**
 * The quarantine keeps each record's text as it was sent, beside its jsonb: jsonb cannot hold NaN,
 * Infinity, lone surrogates or NUL, and rewrites numbers (`-0.0`, `1e400`). Null for records that
 * arrived without a text of their own (CSV rows, records landed before this column).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('quarantine', (t) => t.text('raw_text'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('quarantine', (t) => t.dropColumn('raw_text'));
}
