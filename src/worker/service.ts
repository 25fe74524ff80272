/**
 * `connect-task-router worker` as a service: the Temporal Runtime installed with the worker's logger
 * (JSON lines or readable lines) and, when asked, the Prometheus endpoint; the connection to
 * Temporal; the workers until SIGTERM or SIGINT (the Runtime's shutdown signals), then a clean exit.
 * What cannot start (a metrics address in use, Temporal out of reach, a bad profile) is a
 * StartupError with a one-line message. With encryption keys, the worker and its client encrypt every
 * payload (the start line names the current key's id, never a key).
 */
import { Client, Connection } from '@temporalio/client';
import { type LogLevel, NativeConnection, Runtime } from '@temporalio/worker';
import { encryptedDataConverter } from '../encryption/encrypted-data-converter';
import type { EncryptionKey } from '../encryption/encryption-keys';
import { AgentEventForwarder } from '../push/agent-event-forwarder';
import { followEmulatorEvents } from '../push/follow-emulator-events';
import type { ConnectCallRates } from '../shared/task-queues';
import { createWorker } from './create-worker';
import { createWorkerLogger, type LogFormat, logProcessWarnings } from './logging';
import { prometheusExporter } from './metrics';
import { temporalConnectConfig } from './temporal-connection';

export interface WorkerServiceOptions {
  taskQueue: string;
  connectCallRates?: ConnectCallRates;
  followEmulatorEvents?: string;
  /** host:port of the Prometheus endpoint; none when undefined. */
  metricsAddress?: string;
  logFormat: LogFormat;
  logLevel: LogLevel;
  /** Encrypt payloads with these keys (the first one current); none when undefined. */
  encryptionKeys?: EncryptionKey[];
}

/** The worker could not start; the message is one line, for the user. */
export class StartupError extends Error {}

/** Signals that stop the worker gracefully: polling stops, tasks in flight finish, then it exits. */
export const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2'];

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const line = `${message}${cause}`.replace(/\s*\n\s*/g, ' ');
  // Core's transport errors, e.g. `tonic::transport::Error(... ConnectError("tcp connect error", ..., Os { ... message: "Connection refused" }))`.
  const transport = /ConnectError\("([^"]+)".*message: "([^"]+)"/.exec(line);
  return transport ? `${transport[1]} (${transport[2]})` : line;
}

export async function runWorkerService(options: WorkerServiceOptions): Promise<void> {
  const logger = createWorkerLogger({ format: options.logFormat, level: options.logLevel });
  if (options.logFormat === 'json') logProcessWarnings(logger);
  const verbose = options.logLevel === 'TRACE' || options.logLevel === 'DEBUG';
  try {
    Runtime.install({
      logger,
      shutdownSignals: SHUTDOWN_SIGNALS,
      telemetryOptions: {
        // Core's own logs through the same logger.
        logging: { filter: { core: verbose ? options.logLevel : 'WARN', other: 'ERROR' }, forward: {} },
        metrics:
          options.metricsAddress === undefined ? undefined : prometheusExporter(options.metricsAddress),
      },
    });
  } catch (error) {
    const what =
      options.metricsAddress === undefined ? 'the Temporal runtime' : `metrics on ${options.metricsAddress}`;
    throw new StartupError(`cannot serve ${what}: ${oneLine(error)}`);
  }

  let config: ReturnType<typeof temporalConnectConfig>;
  try {
    config = temporalConnectConfig();
  } catch (error) {
    throw new StartupError(`invalid Temporal configuration: ${oneLine(error)}`);
  }
  const { connectionOptions, namespace } = config;
  const address = connectionOptions.address ?? 'localhost:7233';
  let connection: NativeConnection;
  let clientConnection: Connection;
  try {
    connection = await NativeConnection.connect(connectionOptions);
  } catch (error) {
    throw new StartupError(`cannot reach Temporal at ${address}: ${oneLine(error)}`);
  }
  try {
    clientConnection = await Connection.connect(connectionOptions);
  } catch (error) {
    await connection.close();
    throw new StartupError(`cannot reach Temporal at ${address}: ${oneLine(error)}`);
  }

  const dataConverter = options.encryptionKeys && encryptedDataConverter(options.encryptionKeys);
  const temporal = new Client({ connection: clientConnection, namespace, dataConverter });
  try {
    const worker = await createWorker({
      connection,
      temporal,
      namespace,
      taskQueue: options.taskQueue,
      connectCallRates: options.connectCallRates,
      dataConverter,
    });
    const follower =
      options.followEmulatorEvents === undefined
        ? undefined
        : followEmulatorEvents({
            endpoint: options.followEmulatorEvents,
            forwarder: new AgentEventForwarder(temporal),
            onError: (error) => logger.warn('Agent event feed failed', { error }),
          });
    const encryptionKeyId = options.encryptionKeys?.[0]?.id;
    logger.info(
      `Worker polling task queue "${options.taskQueue}" in namespace "${namespace}"` +
        (follower ? `, forwarding agent events from ${options.followEmulatorEvents}` : '') +
        (options.metricsAddress ? `, metrics on http://${options.metricsAddress}/metrics` : '') +
        (encryptionKeyId ? `, payloads encrypted with key "${encryptionKeyId}"` : ''),
      {
        sdkComponent: 'connect-task-router',
        namespace,
        taskQueue: options.taskQueue,
        temporalAddress: address,
        metricsAddress: options.metricsAddress,
        encryptionKeyId,
      },
    );
    await worker.run();
    await follower?.stop();
    logger.info('Worker stopped', { sdkComponent: 'connect-task-router', taskQueue: options.taskQueue });
  } finally {
    await Promise.all([connection.close(), clientConnection.close()]);
  }
}
