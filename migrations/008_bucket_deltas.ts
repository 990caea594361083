import type { Knex } from 'knex';

/**
 * Corrections as deltas (issue 23, docs/scaling.md §3.3, core/bucketDelta.ts):
 * - `bucket_deltas`: what one batch changed in one bucket of an earlier hour (its corrections'
 *   versions out and in, as a bucket result), recorded in the batch's own transaction beside its
 *   `landed_files`, with the bucket's files (their fingerprint and count) before and after it and
 *   the rules it was computed under;
 * - `hour_partials` keeps the identity of the files a result was computed from (prefixed with the
 *   inputs hash it was written with: a worker that predates this migration rewrites the result
 *   and its hash but not `files`, which then no longer matches and is ignored) and its rules.
 * Derived data, like `hour_partials`: not backed up (a restored database recomputes its buckets).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bucket_deltas', (t) => {
    t.bigInteger('batch_id').notNullable().references('fetch_batches.batch_id');
    t.timestamp('hour', { useTz: true }).notNullable();
    t.integer('bucket').notNullable();
    t.text('rules').notNullable();
    t.text('base_files').notNullable();
    t.text('files').notNullable();
    t.jsonb('change').notNullable();
    t.primary(['batch_id', 'hour', 'bucket']);
    t.index(['hour', 'bucket']);
  });
  await knex.schema.alterTable('hour_partials', (t) => {
    t.text('files').nullable();
    t.text('rules').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hour_partials', (t) => {
    t.dropColumn('files');
    t.dropColumn('rules');
  });
  await knex.schema.dropTableIfExists('bucket_deltas');
}
