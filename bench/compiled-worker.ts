/**
 * The benchmarks measure the worker as a user's installed package runs it: compiled JavaScript that
 * loads its prebuilt workflow bundle. Run from source, the worker process also holds the TypeScript
 * compiler (ts-node) and webpack's bundling at start, hundreds of MiB that no deployment carries.
 * The build is `npm run build`'s, written to a cache folder so that the checkout's lib/ (which the
 * package test packs) is left alone.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.join(__dirname, '..');
/** Inside node_modules, so that the compiled modules find the checkout's dependencies. */
const buildDir = path.join(repoRoot, 'node_modules', '.cache', 'connect-task-router-bench');

let building: Promise<string> | undefined;

/** Builds the package once per benchmark process; resolves to the compiled worker-process module. */
export function compiledWorkerModule(): Promise<string> {
  building ??= build();
  return building;
}

/** The compiled build's prebuilt workflow bundle (the one its workers load), built as above. */
export async function compiledWorkflowBundle(): Promise<string> {
  await compiledWorkerModule();
  return path.join(buildDir, 'workflow-bundle.js');
}

async function build(): Promise<string> {
  const began = Date.now();
  fs.rmSync(buildDir, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', path.join(repoRoot, 'tsconfig.build.json'), '--outDir', buildDir]);
  const bundler = path.join(buildDir, 'src', 'worker', 'workflow-bundle.js');
  await run(process.execPath, ['-e', `require(${JSON.stringify(bundler)}).writeWorkflowBundle()`]);
  console.error(`compiled the worker for the benchmarks in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return path.join(buildDir, 'src', 'dev', 'worker-process.js');
}
