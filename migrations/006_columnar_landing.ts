import type { Knex } from 'knex';

/**
 * The columnar landing (issue 8): readings live in Parquet files in the landing store; PostgreSQL
 * keeps what is small. `raw_bodies`: a source's answer, stored before it is parsed, so a retry
 * reuses it instead of calling the source again. `landed_files`: each batch's Parquet files with
 * row count and sha256. `hour_partials`: per (hour, bucket), the exact per-region partial sums
 * and the hash of the inputs they were computed from.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('raw_bodies', (t) => {
    t.text('source').notNullable();
    t.text('batch_key').notNullable();
    t.text('object_key').notNullable();
    t.timestamp('fetched_at', { useTz: true }).notNullable();
    t.bigInteger('bytes').notNullable();
    t.text('sha256').notNullable();
    t.primary(['source', 'batch_key']);
  });
  await knex.schema.alterTable('fetch_batches', (t) => {
    t.text('raw_key');
  });
  await knex.schema.createTable('landed_files', (t) => {
    t.bigIncrements('file_id');
    t.bigInteger('batch_id').notNullable().references('fetch_batches.batch_id');
    t.text('object_key').notNullable().unique();
    t.timestamp('belongs_to_hour', { useTz: true }).notNullable();
    t.integer('bucket').notNullable();
    t.integer('bucket_count').notNullable();
    t.bigInteger('rows').notNullable();
    t.bigInteger('bytes').notNullable();
    t.text('sha256').notNullable();
    t.index(['belongs_to_hour', 'bucket']);
    t.index(['batch_id']);
  });
  await knex.schema.createTable('hour_partials', (t) => {
    t.timestamp('hour', { useTz: true }).notNullable();
    t.integer('bucket').notNullable();
    t.integer('bucket_count').notNullable();
    t.text('inputs_hash').notNullable();
    t.jsonb('result').notNullable();
    t.timestamp('computed_at', { useTz: true }).notNullable();
    t.primary(['hour', 'bucket']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('hour_partials');
  await knex.schema.dropTableIfExists('landed_files');
  await knex.schema.alterTable('fetch_batches', (t) => {
    t.dropColumn('raw_key');
  });
  await knex.schema.dropTableIfExists('raw_bodies');
}
