import type { Knex } from 'knex';

/** The analysts' view; sql/temperature_3_hours_before.sql is the same query with the display column names. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE VIEW region_temperature_3h_before AS
    SELECT cur.region,
           cur.hour,
           cur.temperature,
           prev.temperature AS "temperature3HoursBefore"
    FROM region_hourly_temperature AS cur
    LEFT JOIN region_hourly_temperature AS prev
      ON prev.region = cur.region
     AND prev.hour = cur.hour - INTERVAL '3 hours'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS region_temperature_3h_before');
}
