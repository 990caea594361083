/** Connections the commands share: configuration once, a Temporal client, a database. */
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { temporalConnectionOptions } from '../adapters/temporal/connection';

export async function connectClient(config: Pick<Config, 'temporal'>): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  return new Client({ connection, namespace: config.temporal.namespace });
}
