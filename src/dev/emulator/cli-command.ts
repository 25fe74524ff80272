/** `connect-task-router emulator`: runs the Connect emulator until SIGINT or SIGTERM. */
import { Command } from 'commander';
import { integerOption } from '../../cli/options';

const DEFAULT_PORT = 8787;

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
    .option(
      '--seed <n>',
      'seed for ids, handle times, offer answers and faults',
      integerOption('--seed', 0, 2 ** 32 - 1),
    )
    .option(
      '--verify-signatures',
      "verify each request's SigV4 signature with $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY " +
        '(default: any well-formed signature passes)',
    )
    .action(
      async (
        options: { port: number; host: string; config?: string; seed?: number; verifySignatures?: boolean },
        command: Command,
      ) => {
        const { verifySignatures, ...start } = options;
        const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
        if (verifySignatures && !(accessKeyId && secretAccessKey)) {
          command.error('error: --verify-signatures needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
        }
        const credentials = verifySignatures
          ? [{ accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! }]
          : [];
        // Loaded on use: no other command needs the emulator.
        const { startEmulator } = await import('.');
        const emulator = await startEmulator({ ...start, credentials });
        console.log(
          `Connect emulator listening on ${emulator.endpoint} instance ${emulator.instanceId}` +
            (verifySignatures ? ` (verifying signatures of access key ${accessKeyId})` : ''),
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await emulator.stop();
      },
    );
}
