/**
 * The demo's own Temporal dev server, with its Web UI, on loopback: `temporal server start-dev` from
 * the CLI that `ensureTemporalCli` finds or builds, with the package's search attributes. Also a
 * headless one that keeps its state in a database file, for the soak test that restarts the server.
 *
 * It runs in a process group of its own. Ctrl-C in a terminal signals the whole foreground group,
 * and a dev server that stopped at the same moment would leave the worker unable to finish its
 * in-flight tasks, so shutdown would hang; here the demo stops the worker first, then this server.
 * (The SDK's `TestWorkflowEnvironment.createLocal`, which the tests use, starts the server in the
 * caller's group, which is why the demo does not use it.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { ensureTemporalCli, ONE_PARTITION_PER_TASK_QUEUE, TEMPORAL_CLI_VERSION } from './temporal-cli';

const LOOPBACK = '127.0.0.1';
const NAMESPACE = 'default';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface DemoDevServer {
  client: Client;
  /** For workers. */
  nativeConnection: NativeConnection;
  /** host:port of the frontend (gRPC). */
  address: string;
  /** The Web UI's list of runs in the namespace. */
  workflowsUrl: string;
  /** Closes the connections (stop every worker first), then stops the server. */
  stop(): Promise<void>;
}

/** `preferred` when nothing listens there yet, or else any free port (a demo must not fail on a busy port). */
async function portOrFallback(preferred: number, avoid: ReadonlySet<number> = new Set()): Promise<number> {
  const listenOn = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const probe = net.createServer();
      probe.once('error', reject);
      probe.listen(port, LOOPBACK, () => {
        const { port: bound } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(bound));
      });
    });
  if (!avoid.has(preferred)) {
    try {
      return await listenOn(preferred);
    } catch {
      // Taken: fall through to a free port.
    }
  }
  for (;;) {
    const port = await listenOn(0);
    if (!avoid.has(port)) return port;
  }
}

/** Keeps the last lines a child wrote to stderr, to explain why it stopped. */
function tailOf(child: ChildProcess, maxLines = 20): () => string {
  const lines: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
    lines.splice(0, Math.max(0, lines.length - maxLines));
  });
  return () => lines.join('\n');
}

async function connectWhenReady(address: string, child: ChildProcess, stderrTail: () => string) {
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`The Temporal dev server exited (${signal ?? `code ${code}`}):\n${stderrTail()}`)),
    ),
  );
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      // Connecting asks the server for its system info: it answers only once it is up.
      return await Promise.race([exited, Connection.connect({ address, connectTimeout: 1_000 })]);
    } catch (error) {
      if (child.exitCode !== null || child.signalCode !== null) throw error;
      if (Date.now() > deadline) {
        throw new Error(
          `The Temporal dev server did not answer on ${address} within ${READY_TIMEOUT_MS / 1000} s: ` +
            `${(error as Error).message}\n${stderrTail()}`,
        );
      }
      await sleep(250);
    }
  }
}

async function stopChild(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const stopped = await Promise.race([
    exited.then(() => true),
    sleep(STOP_TIMEOUT_MS, false, { ref: false }),
  ]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** The CLI, or an error that says how to get one. */
function requireTemporalCli(log: (line: string) => void): string {
  const cli = ensureTemporalCli(log);
  if (!cli) {
    throw new Error(
      `The Temporal CLI's dev server is needed and no CLI was found. Install Go (the CLI ${TEMPORAL_CLI_VERSION} ` +
        'is then built once), put `temporal` on PATH, or set TEMPORAL_CLI to its path.',
    );
  }
  log(`Temporal CLI (${cli.source}): ${cli.path}`);
  return cli.path;
}

interface DevServerProcess {
  /** Answers once the server has stopped: SIGTERM lets it shut down (SIGKILL after a while), SIGKILL is a crash. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/**
 * `temporal server start-dev` on loopback with the package's search attributes and one partition per
 * task queue, in a process group of
 * its own (see the top of this file), once it answers. Headless without `uiPort`; in memory without
 * `dbFilename`.
 */
async function spawnDevServer(
  cliPath: string,
  options: { port: number; uiPort?: number; dbFilename?: string },
): Promise<{ server: DevServerProcess; connection: Connection }> {
  const searchAttributeArgs = ALL_SEARCH_ATTRIBUTES.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
  ]);
  const child = spawn(
    cliPath,
    [
      ...['server', 'start-dev', '--ip', LOOPBACK, '--port', String(options.port)],
      ...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
      ...(options.dbFilename === undefined ? [] : ['--db-filename', options.dbFilename]),
      ...['--namespace', NAMESPACE, '--log-level', 'error', ...searchAttributeArgs],
      ...ONE_PARTITION_PER_TASK_QUEUE,
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // Its own process group also means it would outlive a crash of this process: not when Node exits.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const server: DevServerProcess = {
    async stop(signal = 'SIGTERM') {
      await stopChild(child, signal);
      process.off('exit', killOnExit);
    },
  };
  try {
    return {
      server,
      connection: await connectWhenReady(`${LOOPBACK}:${options.port}`, child, tailOf(child)),
    };
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
}

export async function startDemoDevServer(options: {
  temporalPort: number;
  uiPort: number;
  log: (line: string) => void;
}): Promise<DemoDevServer> {
  const cliPath = requireTemporalCli(options.log);
  const port = await portOrFallback(options.temporalPort);
  const uiPort = await portOrFallback(options.uiPort, new Set([port]));
  if (port !== options.temporalPort)
    options.log(`Port ${options.temporalPort} is busy; Temporal uses ${port}.`);
  if (uiPort !== options.uiPort) options.log(`Port ${options.uiPort} is busy; the Web UI uses ${uiPort}.`);

  const { server, connection } = await spawnDevServer(cliPath, { port, uiPort });
  const address = `${LOOPBACK}:${port}`;
  try {
    const nativeConnection = await NativeConnection.connect({ address });
    return {
      client: new Client({ connection, namespace: NAMESPACE }),
      nativeConnection,
      address,
      workflowsUrl: `http://${LOOPBACK}:${uiPort}/namespaces/${NAMESPACE}/workflows`,
      async stop() {
        await Promise.all([connection.close(), nativeConnection.close()]);
        await server.stop();
      },
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    await server.stop();
    throw error;
  }
}

/** A headless dev server whose state lives in a database file, so that it can be stopped and started again. */
export interface RestartableDevServer {
  client: Client;
  /** For workers in this process. */
  nativeConnection: NativeConnection;
  /** host:port of the frontend (gRPC); the same after every restart. */
  address: string;
  /**
   * Stops the server (`SIGTERM`: a shutdown, `SIGKILL`: a crash), leaves it down for `downMs`, and starts
   * it again on the same port and database file; answers once it answers. The client and the native
   * connection are kept: they reconnect by themselves.
   */
  restart(signal: 'SIGTERM' | 'SIGKILL', downMs?: number): Promise<void>;
  /** Closes the connections (stop every worker first), then stops the server; the file is left. */
  stop(): Promise<void>;
}

/** For tests of a server restart: a dev server on a free loopback port that keeps its state in `dbFilename`. */
export async function startRestartableDevServer(options: {
  dbFilename: string;
  log?: (line: string) => void;
}): Promise<RestartableDevServer> {
  const cliPath = requireTemporalCli(options.log ?? (() => undefined));
  const port = await portOrFallback(0);
  const address = `${LOOPBACK}:${port}`;
  const spawnOptions = { port, dbFilename: options.dbFilename };
  const first = await spawnDevServer(cliPath, spawnOptions);
  const { connection } = first;
  let { server } = first;
  try {
    const nativeConnection = await NativeConnection.connect({ address });
    return {
      client: new Client({ connection, namespace: NAMESPACE }),
      nativeConnection,
      address,
      async restart(signal, downMs = 0) {
        await server.stop(signal);
        await sleep(downMs);
        const started = await spawnDevServer(cliPath, spawnOptions);
        server = started.server;
        // The new connection only told us the server answers; the client's own reconnects.
        await started.connection.close();
      },
      async stop() {
        await Promise.all([connection.close(), nativeConnection.close()]);
        await server.stop();
      },
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    await server.stop();
    throw error;
  }
}
