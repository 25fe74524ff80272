/**
 * The `connect-task-router` CLI as a user runs it, in this process: through buildProgram(), with
 * commander's exits and output captured (console.log and process.stderr too), in a given working
 * directory; and as the bin script in a child process, to see a real exit code and stderr.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { format } from 'node:util';
import { type Command, CommanderError } from 'commander';
import { buildProgram } from '../../src/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export const BIN = path.join(__dirname, '..', '..', 'bin', 'connect-task-router.js');

/** Runs `connect-task-router <args>` in this process, in `cwd`; commander's exits become the run's code. */
export async function runCli(args: string[], options: { cwd?: string } = {}): Promise<CliRun> {
  const run: CliRun = { code: 0, stdout: '', stderr: '' };
  const program = buildProgram();
  const capture = (command: Command): void => {
    command.exitOverride().configureOutput({
      writeOut: (text) => (run.stdout += text),
      writeErr: (text) => (run.stderr += text),
    });
    command.commands.forEach(capture);
  };
  capture(program);
  const { log } = console;
  const stderrWrite = process.stderr.write;
  const cwd = process.cwd();
  console.log = (...values: unknown[]) => (run.stdout += `${format(...values)}\n`);
  // Progress lines a command writes to stderr itself (a spinner, a progress bar).
  process.stderr.write = ((chunk: string | Uint8Array) => {
    run.stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  if (options.cwd) process.chdir(options.cwd);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    run.code = error.exitCode;
  } finally {
    console.log = log;
    process.stderr.write = stderrWrite;
    process.chdir(cwd);
  }
  return run;
}

/** Runs the bin script in a child process with this process's environment. */
export function runBin(args: string[], options: { cwd?: string } = {}): Promise<CliRun> {
  return new Promise<CliRun>((resolve) =>
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: process.env },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    ),
  );
}

/** The run's stdout, once it is known to have exited 0. */
export function succeeded(run: CliRun): string {
  assert.equal(run.code, 0, `exit code ${run.code}; stderr: ${run.stderr}`);
  return run.stdout;
}

/** Asserts a user's mistake: exit code 1, nothing on stdout, one line on stderr that matches `expected`. */
export function assertOneLineMistake(run: CliRun, expected: RegExp, command: string): void {
  const { code, stdout, stderr } = run;
  assert.equal(code, 1, `${command}: exit code (stderr: ${stderr})`);
  assert.equal(stdout, '', `${command}: stdout`);
  assert.equal(stderr.split('\n').length, 2, `${command}: one line on stderr, got ${JSON.stringify(stderr)}`);
  assert.match(stderr.trimEnd(), expected, command);
}

/**
 * Points the CLI (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE) at `address` for a suite; the returned
 * function puts the environment back.
 */
export function useTemporalAddress(address: string, namespace = 'default'): () => void {
  const saved = {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE,
  };
  process.env.TEMPORAL_ADDRESS = address;
  process.env.TEMPORAL_NAMESPACE = namespace;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
