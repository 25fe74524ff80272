/** `connect-task-router emulator`: runs the Connect emulator until SIGINT or SIGTERM. */
import { Command, InvalidArgumentError } from 'commander';
import { startEmulator } from './index';

const DEFAULT_PORT = 8787;

function integerOption(name: string, min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return value;
  };
}

export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('Run a local Amazon Connect emulator (set AWS_ENDPOINT_URL_CONNECT to the printed URL).')
    .option(
      '--port <n>',
      'port to listen on (0 picks a free one)',
      integerOption('--port', 0, 65535),
      DEFAULT_PORT,
    )
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--config <file>', 'JSON config file (see the README); default: the built-in call centre')
    .option('--seed <n>', 'seed for ids, handle times and faults', integerOption('--seed', 0, 2 ** 32 - 1))
    .action(async (options: { port: number; host: string; config?: string; seed?: number }) => {
      const emulator = await startEmulator(options);
      console.log(`Connect emulator listening on ${emulator.endpoint} instance ${emulator.instanceId}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await emulator.stop();
    });
}
