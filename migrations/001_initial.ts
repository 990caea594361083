import type { Knex } from 'knex';

/**
 * The landing zone (fetch_batches, readings, quarantine: append-only, every record kept verbatim),
 * the derived assignments, the user's table region_hourly_temperature and the run ledger.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('import_runs', (t) => {
    t.text('run_id').primary();
    t.text('workflow_id').notNullable();
    t.timestamp('import_hour', { useTz: true }).notNullable();
    t.text('trigger').notNullable();
    t.text('status').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
    t.text('regions_hash');
    t.jsonb('report');
    t.text('error');
    t.index(['import_hour']);
  });
  await knex.raw(
    `ALTER TABLE import_runs ADD CONSTRAINT import_runs_status_check
       CHECK (status IN ('running', 'succeeded', 'incomplete', 'failed'))`,
  );

  await knex.schema.createTable('fetch_batches', (t) => {
    t.bigIncrements('batch_id');
    t.timestamp('import_hour', { useTz: true }).notNullable();
    t.text('source').notNullable();
    t.text('batch_key').notNullable();
    t.text('run_id').notNullable();
    t.timestamp('fetched_at', { useTz: true }).notNullable();
    t.integer('record_count').notNullable();
    // The landing's counts, so a retried landing of the same batch reports what the first one did.
    t.jsonb('summary');
    t.timestamp('superseded_at', { useTz: true });
    t.unique(['source', 'batch_key']);
    t.index(['import_hour']);
  });

  await knex.schema.createTable('readings', (t) => {
    t.bigIncrements('row_id');
    t.bigInteger('batch_id').notNullable().references('fetch_batches.batch_id');
    t.timestamp('import_hour', { useTz: true }).notNullable();
    // The import hour the reading counts in: where its id was first seen, so a later correction
    // re-aggregates that hour rather than the hour it arrived in.
    t.timestamp('belongs_to_hour', { useTz: true }).notNullable();
    t.text('source').notNullable();
    t.text('reading_id').notNullable();
    t.text('content_hash').notNullable();
    t.timestamp('measured_at', { useTz: true }).notNullable();
    t.double('lat').notNullable();
    t.double('lon').notNullable();
    t.double('temperature').notNullable();
    t.text('country');
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.jsonb('raw').notNullable();
    t.index(['belongs_to_hour']);
    t.index(['source', 'reading_id']);
  });

  await knex.schema.createTable('quarantine', (t) => {
    t.bigIncrements('quarantine_id');
    t.bigInteger('batch_id').notNullable().references('fetch_batches.batch_id');
    t.timestamp('import_hour', { useTz: true }).notNullable();
    t.text('source').notNullable();
    t.jsonb('raw').notNullable();
    t.jsonb('reasons').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.index(['import_hour']);
  });

  await knex.schema.createTable('reading_regions', (t) => {
    t.bigInteger('row_id').primary().references('readings.row_id');
    t.timestamp('belongs_to_hour', { useTz: true }).notNullable();
    t.text('region');
    t.text('regions_hash').notNullable();
    t.index(['belongs_to_hour']);
  });

  await knex.schema.createTable('region_hourly_temperature', (t) => {
    t.timestamp('hour', { useTz: true }).notNullable();
    t.text('region').notNullable();
    t.double('temperature').notNullable();
    t.integer('numberOfPoints').notNullable();
    t.primary(['hour', 'region']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'region_hourly_temperature',
    'reading_regions',
    'quarantine',
    'readings',
    'fetch_batches',
    'import_runs',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
