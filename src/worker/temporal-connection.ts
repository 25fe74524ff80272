/**
 * Temporal connection settings through Temporal's own environment configuration:
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS variables and TOML profiles
 * (TEMPORAL_PROFILE). With nothing set, it is a local dev server on localhost:7233, namespace `default`.
 * The data converter comes from the package's own variable: encrypted payloads when
 * CONNECT_TASK_ROUTER_ENCRYPTION_KEYS is set, the SDK's default otherwise.
 */
import { Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { dataConverterFromEnvironment } from '../encryption/encrypted-data-converter';

export function temporalConnectConfig(profile = process.env.TEMPORAL_PROFILE) {
  const { connectionOptions, namespace } = loadClientConnectConfig({ profile });
  return { connectionOptions, namespace: namespace ?? 'default' };
}

/** For `createWorker({ connection, namespace, dataConverter, ... })`. */
export async function connectWorkerToTemporal(): Promise<{
  connection: NativeConnection;
  namespace: string;
  dataConverter?: DataConverter;
}> {
  const dataConverter = dataConverterFromEnvironment();
  const { connectionOptions, namespace } = temporalConnectConfig();
  return { connection: await NativeConnection.connect(connectionOptions), namespace, dataConverter };
}

/** For `new Client({ connection, namespace, dataConverter })`. */
export async function connectClientToTemporal(): Promise<{
  connection: Connection;
  namespace: string;
  dataConverter?: DataConverter;
}> {
  const dataConverter = dataConverterFromEnvironment();
  const { connectionOptions, namespace } = temporalConnectConfig();
  return { connection: await Connection.connect(connectionOptions), namespace, dataConverter };
}
