/**
 * One set of Temporal connection options for the client and the worker alike: address, TLS or mTLS
 * (certificates read from the files named in the configuration) and the API key, revealed here only.
 */
import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { TemporalConnectionConfig } from '../../config';

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

export function temporalConnectionOptions(temporal: TemporalConnectionConfig): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: temporal.address };
  if (temporal.tls) {
    const { caFile, certFile, keyFile, serverName } = temporal.tls;
    options.tls = {
      ...(serverName === undefined ? {} : { serverNameOverride: serverName }),
      ...(caFile === undefined ? {} : { serverRootCACertificate: fs.readFileSync(caFile) }),
      ...(certFile === undefined || keyFile === undefined
        ? {}
        : { clientCertPair: { crt: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) } }),
    };
  }
  if (temporal.apiKey) options.apiKey = temporal.apiKey.reveal();
  return options;
}
