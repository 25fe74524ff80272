/**
 * What every client-side command shares: one `error: ...` line and exit code 1 for whatever goes
 * wrong, a Temporal client from the environment, and the options several commands take.
 */
import fs from 'node:fs';
import {
  Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { type Command, Option } from 'commander';
import { DEFAULT_TASK_QUEUE } from '../shared/task-queues';
import { connectClientToTemporal } from '../worker/temporal-connection';

/** Runs a command's action; whatever goes wrong becomes one `error: ...` line and exit code 1. */
export function oneLineErrors<Args extends unknown[]>(run: (...args: Args) => Promise<void>) {
  return async (...args: Args): Promise<void> => {
    try {
      await run(...args);
    } catch (error) {
      const command = args[args.length - 1] as Command;
      command.error(`error: ${explain(error)}`);
    }
  };
}

/** An error as one line: what failed and, from its cause, why. */
export function explain(error: unknown): string {
  if (error instanceof ScheduleAlreadyRunning) return `a schedule "${error.scheduleId}" already exists`;
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return `workflow ${error.workflowId} is already running`;
  }
  if (error instanceof WorkflowFailedError) return error.cause?.message ?? error.message;
  if (!(error instanceof Error)) return String(error);
  // The SDK's errors say what failed; their cause says why (e.g. no worker answered a query).
  const why = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const line = `${error.message}${why}`.replace(/\s*\n\s*/g, ' ');
  return /no mapping defined for search attribute/.test(line)
    ? `${line} (run \`connect-task-router setup\` once for the namespace)`
    : line;
}

/**
 * A client for the Temporal server that TEMPORAL_ADDRESS (etc.) names, closed when `use` ends, which
 * encrypts and decrypts payloads when CONNECT_TASK_ROUTER_ENCRYPTION_KEYS is set. A
 * workflow that is not there is reported as `no <runs> <id>`, naming what the command calls its runs.
 */
export async function withTemporal(
  runs: string,
  use: (client: Client, namespace: string) => Promise<void>,
): Promise<void> {
  const { connection, namespace, dataConverter } = await connectClientToTemporal();
  try {
    await use(new Client({ connection, namespace, dataConverter }), namespace);
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) {
      throw new Error(`no schedule "${error.scheduleId}" in namespace "${namespace}"`);
    }
    if (error instanceof WorkflowNotFoundError) {
      throw new Error(`no ${runs} ${error.workflowId} in namespace "${namespace}"`);
    }
    throw error;
  } finally {
    await connection.close();
  }
}

/** For options given more than once. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** JSON given inline, or `@file` for a file's content. */
export function readJson(option: string, value: string): unknown {
  let text = value;
  let what = 'the value';
  if (value.startsWith('@')) {
    what = value.slice(1);
    try {
      text = fs.readFileSync(what, 'utf8');
    } catch (error) {
      throw new Error(`${option}: cannot read ${what} (${(error as Error).message})`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${option}: ${what} is not valid JSON (${(error as Error).message})`);
  }
}

export function taskQueueOption(): Option {
  return new Option('--task-queue <name>', "the workers' task queue").default(
    process.env.CONNECT_TASK_ROUTER_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
  );
}

/** `1h02m`, `3m05s`, `12s`. */
export function shortDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${two(m)}m`;
  if (m > 0) return `${m}m${two(s)}s`;
  return `${s}s`;
}

/** A plain-text table: a header row and rows of cells, in columns two spaces apart. */
export function formatColumns(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
