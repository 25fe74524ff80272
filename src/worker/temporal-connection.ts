/**
 * Temporal connection settings through Temporal's own environment configuration:
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS variables and TOML profiles
 * (TEMPORAL_PROFILE). With nothing set, it is a local dev server on localhost:7233, namespace `default`.
 */
import { Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';

export function temporalConnectConfig(profile = process.env.TEMPORAL_PROFILE) {
  const { connectionOptions, namespace } = loadClientConnectConfig({ profile });
  return { connectionOptions, namespace: namespace ?? 'default' };
}

export async function connectWorkerToTemporal(): Promise<{
  connection: NativeConnection;
  namespace: string;
}> {
  const { connectionOptions, namespace } = temporalConnectConfig();
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}

export async function connectClientToTemporal(): Promise<{ connection: Connection; namespace: string }> {
  const { connectionOptions, namespace } = temporalConnectConfig();
  return { connection: await Connection.connect(connectionOptions), namespace };
}
