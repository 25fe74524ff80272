/**
 * Finds (or builds) the Temporal CLI whose embedded dev server the tests and the demo run.
 *
 * The Temporal SDK can download the dev server itself, but that download needs internet access
 * that CI and many corporate machines do not have. So the order is: $TEMPORAL_CLI, `temporal` on
 * PATH, a cached `go install` build, a fresh `go install` build, and only then the SDK download.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** v1.5.1 is the newest tag whose go.mod has no `replace` directive, so `go install` can build it. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/**
 * The dev servers this project starts give every task queue one partition. The server splits a
 * queue's `maxTaskQueueActivitiesPerSecond` among its read partitions (4 by default), so a Connect
 * call lane at 2/s hands a lone call out up to a second late although it is idle, and a bulk batch's
 * create lane falls short of its rate; one node gains nothing from more partitions.
 */
export const ONE_PARTITION_PER_TASK_QUEUE = [
  ...['--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1'],
  ...['--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1'],
];

export type TemporalCliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go install';

export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

/** Where `go install` builds land: outside the repository, so every clone on a machine shares one build. */
export function temporalCliCacheDir(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'connect-task-router', 'temporal-cli', TEMPORAL_CLI_VERSION);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Finds an already available Temporal CLI without building anything. */
export function findTemporalCli(): TemporalCli | undefined {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`TEMPORAL_CLI is set to "${fromEnv}", which is not an executable file.`);
    }
    return { path: fromEnv, source: 'TEMPORAL_CLI' };
  }
  const onPath = findOnPath('temporal');
  if (onPath) return { path: onPath, source: 'PATH' };
  const cached = path.join(temporalCliCacheDir(), 'temporal');
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

function goIsAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Builds the CLI with `go install` into the cache. It builds into a fresh directory and renames it
 * into place, so an interrupted or concurrent build never leaves a half-written binary behind.
 */
function buildTemporalCli(log: (line: string) => void): TemporalCli {
  const cacheDir = temporalCliCacheDir();
  fs.mkdirSync(path.dirname(cacheDir), { recursive: true });
  const buildDir = fs.mkdtempSync(`${cacheDir}.build-`);
  log(
    `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install into ${cacheDir} ` +
      '(the first build takes a few minutes; later runs reuse it)...',
  );
  const started = Date.now();
  try {
    execFileSync('go', ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: buildDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    try {
      fs.renameSync(buildDir, cacheDir);
    } catch (error) {
      // Another build finished first; its binary is as good as ours.
      if (!isExecutable(path.join(cacheDir, 'temporal'))) throw error;
    }
  } finally {
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
  log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s.`);
  return { path: path.join(cacheDir, 'temporal'), source: 'go install' };
}

/**
 * Returns a usable Temporal CLI, building it when Go is available, or `undefined` when only the
 * SDK's own download remains (which fails without internet access; see `devServerExecutable`).
 */
export function ensureTemporalCli(log: (line: string) => void = console.error): TemporalCli | undefined {
  const found = findTemporalCli();
  if (found) return found;
  if (goIsAvailable()) return buildTemporalCli(log);
  log(
    'No Temporal CLI found ($TEMPORAL_CLI, `temporal` on PATH, or a cached build) and Go is not installed; ' +
      "falling back to the Temporal SDK's own dev-server download, which needs internet access.",
  );
  return undefined;
}

/** The `server.executable` option for `TestWorkflowEnvironment.createLocal`. */
export function devServerExecutable(): { type: 'existing-path'; path: string } | { type: 'cached-download' } {
  const cli = findTemporalCli();
  return cli ? { type: 'existing-path', path: cli.path } : { type: 'cached-download' };
}

if (require.main === module) {
  try {
    const cli = ensureTemporalCli();
    if (cli) console.log(`Temporal CLI (${cli.source}): ${cli.path}`);
  } catch (error) {
    console.error(
      `Could not provide a Temporal CLI: ${(error as Error).message}\n` +
        `Install it with \`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}\` and put it on PATH, ` +
        'or set TEMPORAL_CLI to its path.',
    );
    process.exit(1);
  }
}
