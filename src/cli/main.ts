/**
 * `connect-task-router`: the worker, the Connect emulator, and server setup.
 */
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { Command } from 'commander';
import { registerDemoCommand } from '../dev/demo/cli-command';
import { registerEmulatorCommand } from '../dev/emulator/cli-command';
import { ENCRYPTION_KEYS_VARIABLE, parseEncryptionKeys } from '../encryption/encryption-keys';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { type ConnectCallRates, DEFAULT_TASK_QUEUE } from '../shared/task-queues';
import type { LogLevel } from '@temporalio/worker';
import { defaultLogFormat, LOG_FORMATS, LOG_LEVELS, type LogFormat } from '../worker/logging';
import { DEFAULT_METRICS_PORT } from '../worker/metrics';
import { runWorkerService, StartupError } from '../worker/service';
import { connectClientToTemporal } from '../worker/temporal-connection';
import { registerBulkCommands } from './bulk-commands';
import { registerCodecServerCommand } from './codec-server-command';
import { choiceOption, connectRatesOption, metricsAddressOption } from './options';
import { registerStatsCommand } from './stats-command';
import { registerTaskCommands } from './task-commands';

/** An option's environment variable, read as the option is; a bad value is one clear line. */
function fromEnvironment<T>(
  command: Command,
  variable: string,
  parse: (name: string) => (text: string) => T,
): T | undefined {
  const text = process.env[variable];
  if (text === undefined || text === '') return undefined;
  try {
    return parse(variable)(text);
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
    .description(
      'Run a Temporal worker for the routing workflows and Connect activities, until SIGTERM or SIGINT.',
    )
    .showHelpAfterError(false)
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
    .option(
      '--metrics-address <host:port>',
      "serve Prometheus metrics (Temporal's and the package's) at http://<host:port>/metrics, e.g. " +
        `127.0.0.1:${DEFAULT_METRICS_PORT}; off when unset (default: $CONNECT_TASK_ROUTER_METRICS_ADDRESS)`,
      metricsAddressOption('--metrics-address'),
    )
    .option(
      '--log-format <format>',
      'json (one JSON object per line) or pretty; default: json unless stdout is a terminal ' +
        '(or $CONNECT_TASK_ROUTER_LOG_FORMAT)',
      choiceOption('--log-format', LOG_FORMATS),
    )
    .option(
      '--log-level <level>',
      `${LOG_LEVELS.join(', ')} (default: $CONNECT_TASK_ROUTER_LOG_LEVEL or INFO)`,
      choiceOption('--log-level', LOG_LEVELS),
    )
    .action(
      async (
        options: {
          taskQueue: string;
          connectRates?: ConnectCallRates;
          followEmulatorEvents?: string;
          metricsAddress?: string;
          logFormat?: LogFormat;
          logLevel?: LogLevel;
        },
        command: Command,
      ) => {
        const env = <T>(variable: string, parse: (name: string) => (text: string) => T) =>
          fromEnvironment(command, `CONNECT_TASK_ROUTER_${variable}`, parse);
        const service = {
          taskQueue: options.taskQueue,
          followEmulatorEvents: options.followEmulatorEvents,
          connectCallRates: options.connectRates ?? env('CONNECT_RATES', connectRatesOption),
          metricsAddress: options.metricsAddress ?? env('METRICS_ADDRESS', metricsAddressOption),
          logFormat:
            options.logFormat ??
            env('LOG_FORMAT', (name) => choiceOption(name, LOG_FORMATS)) ??
            defaultLogFormat(),
          logLevel: options.logLevel ?? env('LOG_LEVEL', (name) => choiceOption(name, LOG_LEVELS)) ?? 'INFO',
          // From the environment only: an option's value would show in `ps` and shell histories.
          encryptionKeys: fromEnvironment(
            command,
            ENCRYPTION_KEYS_VARIABLE,
            (name) => (text) => parseEncryptionKeys(text, name),
          ),
        };
        try {
          await runWorkerService(service);
        } catch (error) {
          if (error instanceof StartupError) command.error(`error: ${error.message}`);
          throw error;
        }
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
  registerStatsCommand(program);
  registerCodecServerCommand(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync(argv);
}
