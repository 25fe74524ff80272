/**
 * The package as a user gets it: `npm pack` (which builds lib/ through prepack), the tarball
 * installed with `npm install` into an empty folder outside the repository, and from there the
 * installed CLI, a user's own worker script routing one task against the emulator, and a
 * TypeScript file type-checked against the shipped declarations. One tarball serves every check.
 *
 * The CLI, its `worker` command and the user's worker also run under each supported Node LTS line
 * (src/dev/node-lines.ts installs them), from the same installed folder: the Temporal SDK's native
 * module is Node-API, one binary for every line. Each starts without a warning; on Node 20 only the
 * AWS SDK's NodeVersionSupportWarning (it will want Node 22 from 2027) is allowed, and it stays.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ensureNodeLine, NODE_LINE_NUMBERS, type NodeLine } from '../../../src/dev/node-lines';
import { CONNECT_CALL_LANE_NAMES } from '../../../src/shared/task-queues';
import { waitUntil } from '../../helpers/eventually';
import { sharedTestEnv, uniqueTaskQueue } from '../../helpers/temporal';

const run = promisify(execFile);
const REPO = path.join(__dirname, '..', '..', '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};

/**
 * What an outer `npm test` exports about its own project: the inner npm would take
 * `npm_config_local_prefix` and install into the repository instead of the user's folder.
 */
const OUTER_NPM_PROJECT =
  /^(npm_(package|lifecycle)_.*|npm_config_(local_prefix|prefix|global_prefix|global)|INIT_CWD)$/i;

/** The Node running the tests, then each other supported line (the same line once). */
const OWN_MAJOR = Number(process.versions.node.split('.')[0]);
const NODE_MAJORS = [OWN_MAJOR, ...NODE_LINE_NUMBERS.filter((line) => line !== OWN_MAJOR)];

function nodeFor(major: number): string {
  return major === OWN_MAJOR ? process.execPath : ensureNodeLine(major as NodeLine).path;
}

/** The AWS SDK's notice, once per process, on Node before 22 (Node's own warning print on stderr). */
const AWS_NODE_VERSION_NOTICE =
  /^\(node:\d+\) Warning: NodeVersionSupportWarning:[\s\S]*?More information can be found at:[^\n]*\n(\(Use `node --trace-warnings[^\n]*\n)?/m;

/**
 * What a run printed that is a warning or an error: any stderr line, and (for the `worker`
 * command's JSON log) stdout lines at level warn or error. Before Node 22 the AWS SDK's
 * NodeVersionSupportWarning is expected, and only there.
 */
function warningsIn(major: number, output: { stdout: string; stderr: string }, jsonLog = false): string[] {
  const expected = (text: string) => major < 22 && text.includes('NodeVersionSupportWarning');
  const stderr = major < 22 ? output.stderr.replace(AWS_NODE_VERSION_NOTICE, '') : output.stderr;
  const warnings = stderr.split('\n').filter((line) => line.trim() !== '');
  if (jsonLog) {
    for (const line of output.stdout.split('\n').filter((text) => text.startsWith('{'))) {
      const { level, message } = JSON.parse(line) as { level?: string; message?: string };
      if ((level === 'warn' || level === 'error') && !expected(String(message))) warnings.push(line);
    }
  }
  return warnings;
}

function userEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.entries(process.env).filter(([key]) => !OUTER_NPM_PROJECT.test(key));
  return { ...Object.fromEntries(env), ...extra };
}

/** Runs a command; on a non-zero exit the assertion message carries its output. */
async function runIn(
  cwd: string,
  command: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, args, {
      cwd,
      env: userEnvironment(options.env),
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 32 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    assert.fail(
      `${command} ${args.join(' ')} failed: ${message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
    );
  }
}

/**
 * prepack empties and rebuilds the checkout's lib/: two test runs in one checkout at once (two
 * terminals, two engineers) take turns. A lock left by a process that has died is taken over.
 */
async function whileHoldingPackLock<T>(work: () => Promise<T>): Promise<T> {
  const checkout = createHash('sha256').update(REPO).digest('hex').slice(0, 12);
  const lock = path.join(os.tmpdir(), `connect-task-router-pack-${checkout}.lock`);
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: number;
      try {
        holder = Number(fs.readFileSync(lock, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      // 0: its holder is writing its pid right now.
      if (holder === 0 || processIsAlive(holder)) await sleep(1_000);
      else fs.rmSync(lock, { force: true });
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A user's TypeScript against the shipped declarations (a @ts-expect-error unused means a type went `any`). */
const TYPED_USER_CODE = `
import type { Client } from '@temporalio/client';
import {
  createWorker,
  DEFAULT_ERROR_POLICY,
  DEFAULT_TASK_QUEUE,
  resolveErrorPolicy,
  startRouteTask,
  workflowsPath,
  type ConnectTaskRouterWorkerOptions,
  type routeTask,
  type RouteTaskInput,
  type RouteTaskResult,
} from 'connect-task-router';
import { routeTask as routeTaskCode } from 'connect-task-router/workflows';

export const input: RouteTaskInput = { instanceId: 'i', queueId: 'q', contact: { name: 'n' } };
// @ts-expect-error queueId is required
export const missing: RouteTaskInput = { instanceId: 'i', contact: { name: 'n' } };
export const outcome: RouteTaskResult['outcome'] = 'assigned';
// @ts-expect-error not an outcome
export const wrong: RouteTaskResult['outcome'] = 'lost';
export const sameWorkflow: typeof routeTask = routeTaskCode;
export const paths: string[] = [workflowsPath, DEFAULT_TASK_QUEUE];
export const retries: number = resolveErrorPolicy({ ThrottlingException: { maximumAttempts: 3 } })
  .ThrottlingException.maximumAttempts + DEFAULT_ERROR_POLICY.NetworkError.maximumAttempts;
export const taskQueue: ConnectTaskRouterWorkerOptions['taskQueue'] = 'mine';
export const make: typeof createWorker = createWorker;
export async function start(client: Client): Promise<RouteTaskResult> {
  const handle = await startRouteTask(client, input, { workflowId: 'w' });
  return handle.result();
}
`;

describe('the installed package (npm pack, then npm install into an empty folder)', function () {
  let folder: string;
  let installed: string;

  before(async function () {
    // prepack's build (tsc) and an install of the dependencies, mostly from npm's cache.
    this.timeout(600_000);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'connect-task-router-installed-'));
    const packs = path.join(folder, 'packs');
    const app = path.join(folder, 'app');
    fs.mkdirSync(packs);
    fs.mkdirSync(app);
    await whileHoldingPackLock(() =>
      runIn(REPO, 'npm', ['pack', '--pack-destination', packs], { timeoutMs: 300_000 }),
    );
    const [tarball, ...others] = fs.readdirSync(packs);
    assert.ok(tarball?.endsWith('.tgz') && others.length === 0, `one tarball, got ${[tarball, ...others]}`);

    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'my-worker', version: '1.0.0', private: true }),
    );
    // As a user does: the package, and the Temporal SDK packages its example requires, at its versions.
    const temporal = ['@temporalio/client', '@temporalio/worker'].map(
      (name) => `${name}@${PACKAGE.dependencies[name]}`,
    );
    await runIn(
      app,
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(packs, tarball), ...temporal],
      { timeoutMs: 300_000 },
    );
    installed = app;
    // The other Node lines, installed once per machine (a minute the first time).
    for (const major of NODE_MAJORS) nodeFor(major);
  });

  after(() => {
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('ships compiled code and declarations, no TypeScript sources, and no ts-node', () => {
    const root = path.join(installed, 'node_modules', PACKAGE.name);
    assert.ok(fs.existsSync(path.join(root, 'lib', 'src', 'index.js')));
    assert.ok(fs.existsSync(path.join(root, 'lib', 'src', 'index.d.ts')));
    assert.ok(fs.existsSync(path.join(root, 'lib', 'workflows', 'index.js')));
    assert.ok(
      fs.statSync(path.join(root, 'lib', 'workflow-bundle.js')).size > 100_000,
      'the prebuilt workflow bundle is shipped, so a worker does not bundle at start',
    );
    assert.ok(!fs.existsSync(path.join(root, 'src')), 'the TypeScript sources are not shipped');
    assert.ok(!fs.existsSync(path.join(installed, 'node_modules', 'ts-node')), 'ts-node is not installed');
  });

  it('requires only Node modules and its own dependencies from lib/ (no dev dependency at runtime)', () => {
    const lib = path.join(installed, 'node_modules', PACKAGE.name, 'lib');
    const files = fs
      .readdirSync(lib, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.js'));
    const undeclared = files.flatMap((file) =>
      [...fs.readFileSync(path.join(lib, file), 'utf8').matchAll(/\brequire\("([^".][^"]*)"\)/g)]
        .map(([, specifier]) => specifier)
        .filter((specifier) => {
          if (isBuiltin(specifier)) return false;
          const name = specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/');
          return !(name in PACKAGE.dependencies);
        })
        .map((specifier) => `${file}: ${specifier}`),
    );
    assert.deepEqual(undeclared, []);
  });

  it('exports its JSON Schemas as connect-task-router/schemas/*, when the package has them', function () {
    const schemas = path.join(installed, 'node_modules', PACKAGE.name, 'schemas');
    if (!fs.existsSync(schemas)) this.skip();
    const resolveFromApp = createRequire(path.join(installed, 'package.json')).resolve;
    for (const file of fs.readdirSync(schemas)) {
      assert.equal(
        resolveFromApp(`${PACKAGE.name}/schemas/${file}`),
        fs.realpathSync(path.join(schemas, file)),
      );
    }
  });

  it('runs the installed CLI', async () => {
    const cli = path.join(installed, 'node_modules', '.bin', 'connect-task-router');
    const help = await runIn(installed, cli, ['--help']);
    assert.match(help.stdout, /Usage: connect-task-router/);
    for (const command of ['worker', 'setup', 'emulator', 'bulk', 'schedule']) {
      assert.match(help.stdout, new RegExp(`^ {2}${command}\\b`, 'm'));
    }
    const emulator = await runIn(installed, cli, ['emulator', '--help']);
    assert.match(emulator.stdout, /Usage: connect-task-router emulator/);
    assert.equal(help.stderr + emulator.stderr, '');
  });

  // From Node 22 on (the user's worker below runs under Node 20 too, where the AWS SDK's notice is allowed).
  for (const major of NODE_MAJORS.filter((line) => line >= 22)) {
    it(`starts the installed \`worker\` command under Node ${major} without a warning, and stops it with SIGTERM`, async function () {
      this.timeout(120_000);
      const env = await sharedTestEnv();
      const node = nodeFor(major);
      assert.match((await runIn(installed, node, ['--version'])).stdout, new RegExp(`^v${major}\\.`));
      const cli = path.join(installed, 'node_modules', PACKAGE.name, 'bin', 'connect-task-router.js');
      const child = spawn(node, [cli, 'worker', '--task-queue', uniqueTaskQueue('installed-cli')], {
        cwd: installed,
        // No --log-format: JSON lines, since stdout is not a terminal.
        env: userEnvironment({ TEMPORAL_ADDRESS: env.address }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output = { stdout: '', stderr: '' };
      child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        // Every worker (main, dispatchers, one per Connect call lane) running: start warnings come by then.
        const workers = CONNECT_CALL_LANE_NAMES.length + 2;
        await waitUntil(
          () => `${workers} workers running; stdout: ${output.stdout.slice(-2000)} stderr: ${output.stderr}`,
          () => {
            if (child.exitCode !== null)
              assert.fail(`the worker exited (${child.exitCode}): ${output.stderr}`);
            return output.stdout.split('"state":"RUNNING"').length - 1 >= workers || undefined;
          },
          { timeoutMs: 100_000 },
        );
        await sleep(500);
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0, `exit code; stderr: ${output.stderr}`);
      assert.deepEqual(warningsIn(major, output, true), []);
      assert.doesNotMatch(output.stdout, /Workflow bundle created/, 'it loads the prebuilt bundle');
    });
  }

  it('loads from CommonJS and ESM, with workflowsPath and the ./workflows and ./package.json subpaths', async () => {
    const { stdout } = await runIn(installed, process.execPath, [
      '--input-type=module',
      '-e',
      `
      import { createRequire } from 'node:module';
      import { createWorker, startEmulator, workflowsPath } from 'connect-task-router';
      import * as workflows from 'connect-task-router/workflows';
      const require = createRequire(import.meta.url);
      console.log(JSON.stringify({
        createWorker: typeof createWorker,
        startEmulator: typeof startEmulator,
        cjsWorkflowsPath: require('connect-task-router').workflowsPath,
        workflowsPath,
        resolved: require.resolve('connect-task-router/workflows'),
        workflows: ['routeTask', 'bulkCreateTasks', 'connectDispatcher'].map((name) => typeof workflows[name]),
        version: require('connect-task-router/package.json').version,
      }));
      `,
    ]);
    const loaded = JSON.parse(stdout) as Record<string, unknown>;
    const expectedPath = fs.realpathSync(
      path.join(installed, 'node_modules', PACKAGE.name, 'lib', 'workflows', 'index.js'),
    );
    assert.deepEqual(loaded, {
      createWorker: 'function',
      startEmulator: 'function',
      cjsWorkflowsPath: expectedPath,
      workflowsPath: expectedPath,
      resolved: expectedPath,
      workflows: ['function', 'function', 'function'],
      version: PACKAGE.version,
    });
  });

  it('type-checks a user file against the shipped declarations (module nodenext)', async () => {
    fs.writeFileSync(path.join(installed, 'check.ts'), TYPED_USER_CODE);
    fs.writeFileSync(
      path.join(installed, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          // The repository's @types/node: the folder has no dev dependencies of its own.
          typeRoots: [path.join(REPO, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['check.ts'],
      }),
    );
    await runIn(installed, process.execPath, [
      path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      '.',
    ]);
  });

  for (const major of NODE_MAJORS) {
    it(`routes a task from a user's own worker script under Node ${major}, against the emulator it starts from the exports, without a warning`, async function () {
      // Bundling the workflows takes seconds on a small machine; routing one task a few more.
      this.timeout(240_000);
      const env = await sharedTestEnv();
      fs.copyFileSync(path.join(__dirname, 'fixtures', 'user-worker.js'), path.join(installed, 'worker.js'));
      const output = await runIn(installed, nodeFor(major), ['worker.js'], {
        env: {
          TEMPORAL_ADDRESS: env.address,
          TASK_QUEUE: uniqueTaskQueue('installed'),
          INSTANCE_ID: `installed-package-${process.pid}-${Date.now().toString(36)}`,
        },
        timeoutMs: 180_000,
      });
      const lastLine = output.stdout.trim().split('\n').at(-1) ?? '';
      const result = JSON.parse(lastLine) as { outcome: string; userId?: string; contactId?: string };
      assert.equal(result.outcome, 'assigned', lastLine);
      assert.ok(result.userId && result.contactId, lastLine);
      // The script's Runtime logs WARN and above on stderr (the SDK's DefaultLogger).
      assert.deepEqual(warningsIn(major, output), []);
    });
  }
});
