/**
 * The one way to hold a Temporal client: `connectClient` for a holder that closes it itself (the
 * demo, the tests' pipeline), `withClient` for a command that needs it for one piece of work.
 */
import { Client, Connection } from '@temporalio/client';
import type { TemporalConnectionConfig } from '../config';
import { temporalConnectionOptions } from '../adapters/temporal/connection';
import { temporalUnreachable } from '../adapters/temporal/unreachable';

export type ClientConfig = { temporal: TemporalConnectionConfig };

/** A client on `TEMPORAL_ADDRESS` and `TEMPORAL_NAMESPACE`; close it with `client.connection.close()`. */
export async function connectClient(config: ClientConfig): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  } catch (error) {
    throw temporalUnreachable(config.temporal.address, error);
  }
  return new Client({ connection, namespace: config.temporal.namespace });
}

/** Runs `work` with a client and closes the connection afterwards, whether `work` succeeds or throws. */
export async function withClient<T>(config: ClientConfig, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(config);
  try {
    return await work(client);
  } finally {
    await client.connection.close();
  }
}
