/**
 * `connect-task-router stats --instance-id <id>`: a Connect instance's live queue statistics, from its
 * dispatcher's `queueStatistics` query: a table that refreshes every `--interval` seconds until
 * Ctrl-C, or `--json` printed once, for scripts. A user's mistake (a bad option, an instance with no
 * dispatcher) ends the command with one line on stderr and exit code 1.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type Command, InvalidArgumentError } from 'commander';
import { getQueueStatistics } from '../client/dispatcher-client';
import { RunAlreadyEndedError } from '../client/workflow-runs';
import type { QueueStatistics } from '../shared/dispatcher-contract';
import { explain, formatColumns, oneLineErrors, shortDuration, withTemporal } from './command-support';
import { secondsOption } from './options';

const DEFAULT_INTERVAL_SECONDS = 2;

const COLUMNS = [
  'QUEUE',
  'PRIORITY',
  'WAITING',
  'OLDEST',
  'P50',
  'P90',
  'ASSIGNED',
  'SL%',
  'AVAILABLE',
  'OFFERED',
  'BUSY',
];

/** `4.2s` under a minute, then `3m05s`, `1h02m`; `-` for none. */
function waitLabel(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : shortDuration(ms);
}

/**
 * The statistics as a heading and a table, one row per queue and priority, the queue's agents on its
 * first row (`-` for a queue the dispatcher does not poll). Oldest waits run to `now`.
 */
export function formatStatistics(statistics: QueueStatistics, now: number): string {
  const rows = statistics.queues.flatMap(({ queueId, agents, priorities }) => {
    const agentCells = agents ? [agents.available, agents.offered, agents.busy].map(String) : ['-', '-', '-'];
    if (priorities.length === 0) return [[queueId, '-', '0', '-', '-', '-', '0', '-', ...agentCells]];
    return priorities.map((figures, index) => [
      queueId,
      String(figures.priority),
      String(figures.waiting),
      figures.oldestWaitingSince === undefined
        ? '-'
        : waitLabel(Math.max(0, now - Date.parse(figures.oldestWaitingSince))),
      waitLabel(figures.waitP50Ms),
      waitLabel(figures.waitP90Ms),
      String(figures.assigned),
      figures.withinServiceLevel === undefined ? '-' : `${Math.round(figures.withinServiceLevel * 100)}%`,
      ...(index === 0 ? agentCells : ['', '', '']),
    ]);
  });
  const heading =
    `Instance ${statistics.instanceId} at ${statistics.at}: P50, P90, ASSIGNED and SL% (waited at most ` +
    `${waitLabel(statistics.serviceLevelMs)}) over the last ${shortDuration(statistics.windowMs)}; agents as of ` +
    `${statistics.agentsObservedAt ?? 'no poll yet'}`;
  return rows.length === 0
    ? `${heading}\nNothing waits, nothing is offered, and no task was assigned within the window.`
    : `${heading}\n\n${formatColumns(COLUMNS, rows)}`;
}

/** The statistics, or one clear line when the instance has no dispatcher. */
async function statisticsOf(client: Client, namespace: string, instanceId: string): Promise<QueueStatistics> {
  try {
    return await getQueueStatistics(client, instanceId);
  } catch (error) {
    const missing =
      error instanceof WorkflowNotFoundError
        ? 'no dispatcher'
        : error instanceof RunAlreadyEndedError
          ? 'no running dispatcher (the last one ended with nothing to do)'
          : undefined;
    if (missing === undefined) throw error;
    throw new Error(
      `${missing} for instance ${instanceId} in namespace "${namespace}" (one starts when a task of the instance joins the line)`,
    );
  }
}

/**
 * Redraws the table every `intervalSeconds` until SIGINT or SIGTERM: on a terminal in place, else one
 * table after another. A refresh that fails (a worker busy or restarting) keeps the last table and
 * says why; only the first must succeed.
 */
async function watch(client: Client, namespace: string, instanceId: string, intervalSeconds: number) {
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const terminal = process.stdout.isTTY === true;
  try {
    let statistics = await statisticsOf(client, namespace, instanceId);
    let problem: string | undefined;
    while (!stopping.signal.aborted) {
      const table = formatStatistics(statistics, Date.now());
      const trouble = problem === undefined ? '' : `\n(no fresh answer: ${problem})`;
      if (terminal) {
        // Clear the screen, then the table, and how to stop.
        console.log(`\x1b[H\x1b[2J${table}${trouble}\n\nEvery ${intervalSeconds} s; Ctrl-C to stop.`);
      } else console.log(`${table}${trouble}\n`);
      await sleep(intervalSeconds * 1000, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (stopping.signal.aborted) break;
      try {
        statistics = await statisticsOf(client, namespace, instanceId);
        problem = undefined;
      } catch (error) {
        problem = explain(error);
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function intervalOption(text: string): number {
  const seconds = secondsOption('--interval')(text);
  if (seconds < 1) throw new InvalidArgumentError('--interval must be at least 1 second.');
  return seconds;
}

interface StatsOptions {
  instanceId: string;
  interval: number;
  json?: boolean;
}

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description(
      "Show a Connect instance's live queue statistics from its dispatcher: per queue and priority, tasks " +
        'waiting and the oldest wait, the waits (p50, p90) and service level of the tasks assigned lately, ' +
        'and agents available, offered and busy. Refreshes until Ctrl-C.',
    )
    .showHelpAfterError(false)
    .requiredOption('--instance-id <id>', 'the Connect instance')
    .option(
      '--interval <seconds>',
      'seconds between refreshes, e.g. 5 or 1m',
      intervalOption,
      DEFAULT_INTERVAL_SECONDS,
    )
    .option('--json', 'print the queueStatistics answer as JSON once, and exit')
    .addHelpText(
      'after',
      '\nOLDEST counts to now; the other figures hold at the time shown (the dispatcher polls while tasks\n' +
        'wait). AVAILABLE, OFFERED and BUSY are per queue, on its first row: "-" for a queue it does not poll.\n' +
        '\nExamples:\n' +
        '  $ connect-task-router stats --instance-id <instanceId>\n' +
        '  $ connect-task-router stats --instance-id <instanceId> --json',
    )
    .action(
      oneLineErrors(async (options: StatsOptions) =>
        withTemporal('dispatcher', async (client, namespace) => {
          if (options.json) {
            const statistics = await statisticsOf(client, namespace, options.instanceId);
            console.log(JSON.stringify(statistics, null, 2));
          } else await watch(client, namespace, options.instanceId, options.interval);
        }),
      ),
    );
}
