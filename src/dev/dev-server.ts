/**
 * The demo's own Temporal dev server, with its Web UI, on loopback: `temporal server start-dev` from
 * the CLI that `ensureTemporalCli` finds or builds, with the package's search attributes.
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
import { ensureTemporalCli, TEMPORAL_CLI_VERSION } from './temporal-cli';

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

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const stopped = await Promise.race([
    exited.then(() => true),
    sleep(STOP_TIMEOUT_MS, false, { ref: false }),
  ]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

export async function startDemoDevServer(options: {
  temporalPort: number;
  uiPort: number;
  log: (line: string) => void;
}): Promise<DemoDevServer> {
  const cli = ensureTemporalCli(options.log);
  if (!cli) {
    throw new Error(
      `The demo runs the Temporal CLI's dev server and found no CLI. Install Go (the demo then builds ` +
        `the CLI ${TEMPORAL_CLI_VERSION} once), put \`temporal\` on PATH, or set TEMPORAL_CLI to its path.`,
    );
  }
  options.log(`Temporal CLI (${cli.source}): ${cli.path}`);
  const port = await portOrFallback(options.temporalPort);
  const uiPort = await portOrFallback(options.uiPort, new Set([port]));
  if (port !== options.temporalPort)
    options.log(`Port ${options.temporalPort} is busy; Temporal uses ${port}.`);
  if (uiPort !== options.uiPort) options.log(`Port ${options.uiPort} is busy; the Web UI uses ${uiPort}.`);

  const searchAttributeArgs = ALL_SEARCH_ATTRIBUTES.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
  ]);
  const child = spawn(
    cli.path,
    [
      ...['server', 'start-dev', '--ip', LOOPBACK, '--port', String(port), '--ui-port', String(uiPort)],
      ...['--namespace', NAMESPACE, '--log-level', 'error', ...searchAttributeArgs],
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // Its own process group also means it would outlive a crash of this process: not when Node exits.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stopServer = async () => {
    await stopChild(child);
    process.off('exit', killOnExit);
  };

  const address = `${LOOPBACK}:${port}`;
  try {
    const connection = await connectWhenReady(address, child, tailOf(child));
    const nativeConnection = await NativeConnection.connect({ address });
    return {
      client: new Client({ connection, namespace: NAMESPACE }),
      nativeConnection,
      address,
      workflowsUrl: `http://${LOOPBACK}:${uiPort}/namespaces/${NAMESPACE}/workflows`,
      async stop() {
        await Promise.all([connection.close(), nativeConnection.close()]);
        await stopServer();
      },
    };
  } catch (error) {
    await stopServer();
    throw error;
  }
}
