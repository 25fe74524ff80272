/**
 * A Python with the Temporal Python SDK, for the tests that start workflows from Python: a virtualenv
 * holding exactly `test/integration/other-languages/requirements.txt`, made on first use with the
 * machine's `python3` and pip, and cached outside the repository (like the Temporal CLI build, see
 * temporal-cli.ts) so every clone and every later run on the machine reuses it.
 *
 * The cache directory is named after the Python version and a hash of the requirements, so a new pin
 * makes a new virtualenv. It is built in a fresh directory and renamed into place only once pip has
 * succeeded, so an interrupted or concurrent build never leaves a half-installed one behind.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PYTHON_REQUIREMENTS = path.join(
  __dirname,
  '..',
  '..',
  'test',
  'integration',
  'other-languages',
  'requirements.txt',
);
/** The Temporal Python SDK needs this Python at least. */
const MIN_PYTHON: [number, number] = [3, 10];

export interface PythonSdk {
  /** The virtualenv's interpreter: run scripts with it. */
  python: string;
  venvDir: string;
  /** Whether this call built it (else it was cached). */
  built: boolean;
}

/** `$PYTHON`, else `python3`, else `python`: the first that runs, with its version. */
function basePython(): { command: string; version: [number, number] } {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', 'python'];
  for (const command of candidates) {
    const probe = spawnSync(command, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    });
    if (probe.status !== 0) continue;
    const [major, minor] = probe.stdout.trim().split('.').map(Number);
    return { command, version: [major, minor] };
  }
  throw new Error(
    `No Python found (tried ${candidates.join(', ')}): install Python ${MIN_PYTHON.join('.')} or later ` +
      'with its venv module, or set PYTHON to its path.',
  );
}

function cacheDirFor(version: [number, number]): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const pins = createHash('sha256').update(fs.readFileSync(PYTHON_REQUIREMENTS)).digest('hex').slice(0, 12);
  return path.join(cacheRoot, 'connect-task-router', 'python-sdk', `py${version.join('.')}-${pins}`);
}

function venvPython(venvDir: string): string {
  return process.platform === 'win32'
    ? path.join(venvDir, 'Scripts', 'python.exe')
    : path.join(venvDir, 'bin', 'python');
}

/** Returns the cached virtualenv, or builds it (a few seconds with a warm pip cache, once per machine). */
export function ensurePythonSdk(log: (line: string) => void = console.error): PythonSdk {
  const base = basePython();
  const [major, minor] = base.version;
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new Error(
      `${base.command} is Python ${major}.${minor}; the Temporal Python SDK needs ${MIN_PYTHON.join('.')} ` +
        'or later (set PYTHON to a newer one).',
    );
  }
  const venvDir = cacheDirFor(base.version);
  if (fs.existsSync(venvPython(venvDir))) return { python: venvPython(venvDir), venvDir, built: false };

  fs.mkdirSync(path.dirname(venvDir), { recursive: true });
  const buildDir = fs.mkdtempSync(`${venvDir}.build-`);
  log(`Installing the Temporal Python SDK (${PYTHON_REQUIREMENTS}) into ${venvDir}...`);
  const started = Date.now();
  const run = (command: string, args: string[]) =>
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env } });
  try {
    run(base.command, ['-m', 'venv', buildDir]);
    run(venvPython(buildDir), [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--quiet',
      '-r',
      PYTHON_REQUIREMENTS,
    ]);
    try {
      // The interpreter finds its packages from its own place (pyvenv.cfg beside bin/), so the
      // virtualenv works renamed; only its console scripts keep the build path, and none is used.
      fs.renameSync(buildDir, venvDir);
    } catch (error) {
      // Another build finished first; its virtualenv is as good as ours.
      if (!fs.existsSync(venvPython(venvDir))) throw error;
    }
  } catch (error) {
    throw new Error(
      `Could not install the Temporal Python SDK with pip (${(error as Error).message}). It needs the ` +
        `package index that pip is set up to use; or set PYTHON to a Python that can make a virtualenv.`,
      { cause: error },
    );
  } finally {
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
  log(`Installed the Temporal Python SDK in ${Math.round((Date.now() - started) / 1000)} s.`);
  return { python: venvPython(venvDir), venvDir, built: true };
}

if (require.main === module) {
  try {
    const sdk = ensurePythonSdk();
    console.log(`Python with the Temporal SDK${sdk.built ? '' : ' (cached)'}: ${sdk.python}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
