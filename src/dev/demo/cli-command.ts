/**
 * `connect-task-router demo`: its options only. What the demo runs loads when the command is run,
 * so the other commands (the worker above all) never load the emulator or the dev server.
 */
import { Command, Option } from 'commander';
import { integerOption } from '../../cli/options';
import { DEMO_LIMITS, type DemoCommandOptions } from './demo-options';

export function registerDemoCommand(program: Command): void {
  const { tasks, timeoutSeconds, scheduledBatchItems } = DEMO_LIMITS;
  program
    .command('demo')
    .description(
      'Route a batch of tasks end to end on this machine: a Temporal dev server with its Web UI, ' +
        'the Connect emulator, a worker, routeTask runs and a small bulk batch started by a Temporal ' +
        'Schedule, and a summary with the emulator ledger. Then the Web UI, the worker and the emulator ' +
        'stay up until Ctrl-C (--exit: end after the summary). Exits non-zero if a task was not ' +
        'assigned or a ledger invariant was broken.',
    )
    .option(
      '--tasks <n>',
      'routeTask runs to start',
      integerOption('--tasks', tasks.min, tasks.max),
      tasks.default,
    )
    .option(
      '--seed <n>',
      'seed for the task mix and the emulator',
      integerOption('--seed', 0, 2 ** 32 - 1),
      1,
    )
    .option(
      '--temporal-port <n>',
      'Temporal dev server port (a free one if busy)',
      integerOption('--temporal-port', 1, 65535),
      7233,
    )
    .option(
      '--ui-port <n>',
      'Temporal Web UI port (a free one if busy)',
      integerOption('--ui-port', 1, 65535),
      8233,
    )
    .option(
      '--timeout <seconds>',
      'give up if the tasks are not all routed by then',
      integerOption('--timeout', timeoutSeconds.min, timeoutSeconds.max),
      timeoutSeconds.default,
    )
    .option(
      '--scheduled-batch <n>',
      "items of the bulk batch that the demo's Temporal Schedule starts (0: no schedule)",
      integerOption('--scheduled-batch', scheduledBatchItems.min, scheduledBatchItems.max),
      scheduledBatchItems.default,
    )
    .option('--exit', 'end after the summary instead of staying up until Ctrl-C (for scripts and tests)')
    // Staying up is the default now; the old flag is still accepted.
    .addOption(new Option('--keep-running').hideHelp())
    .action(async (options: DemoCommandOptions) => {
      // The demo's modules (dev server, emulator, worker) load only when it runs.
      const { runDemoCommand } = await import('./demo-command');
      await runDemoCommand(options);
    });
}
