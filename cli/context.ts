/** Connections the commands share: configuration once, a Temporal client, a database. */
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { temporalUnreachable } from '../adapters/temporal/unreachable';

export async function connectClient(config: Pick<Config, 'temporal'>): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.temporal.address });
  } catch (error) {
    throw temporalUnreachable(config.temporal.address, error);
  }
  return new Client({ connection, namespace: config.temporal.namespace });
}
