/**
 * `connect-task-router`: the worker, the Connect emulator, and server setup.
 */
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { Client } from '@temporalio/client';
import { Command } from 'commander';
import { registerDemoCommand } from '../dev/demo/cli-command';
import { registerEmulatorCommand } from '../dev/emulator/cli-command';
import { AgentEventForwarder } from '../push/agent-event-forwarder';
import { followEmulatorEvents } from '../push/follow-emulator-events';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { type ConnectCallRates, DEFAULT_TASK_QUEUE } from '../shared/task-queues';
import { connectClientToTemporal, connectWorkerToTemporal } from '../worker/temporal-connection';
import { createWorker } from '../worker/create-worker';
import { registerBulkCommands } from './bulk-commands';
import { connectRatesOption } from './options';
import { registerTaskCommands } from './task-commands';

/** `$CONNECT_TASK_ROUTER_CONNECT_RATES`, read as `--connect-rates` is; a bad value is one clear line. */
function ratesFromEnvironment(command: Command): ConnectCallRates | undefined {
  const text = process.env.CONNECT_TASK_ROUTER_CONNECT_RATES;
  if (text === undefined) return undefined;
  try {
    return connectRatesOption('CONNECT_TASK_ROUTER_CONNECT_RATES')(text);
  } catch (error) {
    return command.error(`error: ${(error as Error).message}`);
  }
}

export function buildProgram(): Command {
  const program = new Command('connect-task-router')
    .description('Create Amazon Connect tasks and assign them to free agents, durably, with Temporal.')
    .showHelpAfterError();

  program
    .command('worker')
    .description('Run a Temporal worker for the routing workflows and Connect activities.')
    .option(
      '--task-queue <name>',
      'task queue to poll',
      process.env.CONNECT_TASK_ROUTER_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    )
    .option(
      '--connect-rates <lane=rate,...>',
      "your account's Connect quotas per call lane (create, startTask, transfer, associate, describe, stop, " +
        "userData, list), requests/s across all workers; lanes not named keep Connect's documented defaults " +
        '(default: $CONNECT_TASK_ROUTER_CONNECT_RATES)',
      connectRatesOption('--connect-rates'),
    )
    .option(
      '--follow-emulator-events <endpoint>',
      "also forward the Connect emulator's agent events (the push path) to the dispatchers",
    )
    .action(
      async (
        options: { taskQueue: string; connectRates?: ConnectCallRates; followEmulatorEvents?: string },
        command: Command,
      ) => {
        const connectCallRates = options.connectRates ?? ratesFromEnvironment(command);
        const { connection, namespace } = await connectWorkerToTemporal();
        const client = await connectClientToTemporal();
        const temporal = new Client({ connection: client.connection, namespace });
        const worker = await createWorker({
          connection,
          temporal,
          namespace,
          taskQueue: options.taskQueue,
          connectCallRates,
        });
        const follower =
          options.followEmulatorEvents === undefined
            ? undefined
            : followEmulatorEvents({
                endpoint: options.followEmulatorEvents,
                forwarder: new AgentEventForwarder(temporal),
              });
        console.log(
          `Worker polling task queue "${options.taskQueue}" in namespace "${namespace}"` +
            (follower ? `, forwarding agent events from ${options.followEmulatorEvents}.` : '.'),
        );
        await worker.run();
        await follower?.stop();
        await Promise.all([connection.close(), client.connection.close()]);
      },
    );

  program
    .command('setup')
    .description("Register the package's custom search attributes on the Temporal server.")
    .action(async () => {
      const { connection, namespace } = await connectClientToTemporal();
      const existing = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (existing.customAttributes ?? {})));
      if (missing.length > 0) {
        const searchAttributes: Record<
          string,
          NonNullable<ReturnType<typeof encodeSearchAttributeIndexedValueType>>
        > = {};
        for (const key of missing)
          searchAttributes[key.name] = encodeSearchAttributeIndexedValueType(key.type)!;
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
      }
      console.log(
        `Search attributes in namespace "${namespace}": ` +
          ALL_SEARCH_ATTRIBUTES.map((key) => `${key.name} (${key.type})`).join(', ') +
          (missing.length > 0
            ? `; registered ${missing.map((key) => key.name).join(', ')}.`
            : '; all present.'),
      );
      await connection.close();
    });

  registerEmulatorCommand(program);
  registerDemoCommand(program);
  registerBulkCommands(program);
  registerTaskCommands(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync(argv);
}
