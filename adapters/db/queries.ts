/** The analysts' queries, as the CLI and the demo print them. */
import type { Knex } from 'knex';

export interface ThreeHoursBeforeRow {
  region: string;
  hour: Date;
  temperature: number;
  temperature3HoursBefore: number | null;
}

export async function threeHoursBefore(
  db: Knex,
  filter: { region?: string; from?: Date; to?: Date } = {},
): Promise<ThreeHoursBeforeRow[]> {
  const query = db('region_temperature_3h_before').select(
    'region',
    'hour',
    'temperature',
    'temperature3HoursBefore',
  );
  if (filter.region !== undefined) query.where('region', filter.region);
  if (filter.from !== undefined) query.where('hour', '>=', filter.from);
  if (filter.to !== undefined) query.where('hour', '<=', filter.to);
  return (await query.orderBy([{ column: 'hour' }, { column: 'region' }])) as ThreeHoursBeforeRow[];
}
