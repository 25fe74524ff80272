/**
 * A worker in a child process, started through the package's own CLI, so a test can kill it with
 * SIGKILL mid-run: no graceful shutdown, in-flight activities and workflow tasks simply vanish.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const BIN = path.join(__dirname, '..', '..', '..', 'bin', 'connect-task-router.js');
const READY_TIMEOUT_MS = 60_000;

export interface WorkerProcess {
  pid: number;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
}

export async function startWorkerProcess(options: {
  temporalAddress: string;
  taskQueue: string;
  connectEndpoint: string;
}): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'worker', '--task-queue', options.taskQueue], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      AWS_ENDPOINT_URL_CONNECT: options.connectEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker not ready in time:\n${output}`)),
      READY_TIMEOUT_MS,
    );
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Worker polling')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    pid: child.pid!,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
