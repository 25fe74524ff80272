/**
 * `connect-task-router codec-server`: serves the codec endpoint (see startCodecServer) with the keys
 * in CONNECT_TASK_ROUTER_ENCRYPTION_KEYS until SIGINT or SIGTERM, so that the Web UI and the
 * `temporal` CLI show decrypted payloads. Secrets come from the environment only (an option's value
 * would show in `ps`): the keys, and CONNECT_TASK_ROUTER_CODEC_TOKEN, the bearer token a request must
 * carry. Off this machine (a --host that is not loopback) it serves only with a token.
 */
import { isIP } from 'node:net';
import { Command } from 'commander';
import { bearerTokenCheck, startCodecServer } from '../encryption/codec-server';
import { EncryptionCodec } from '../encryption/encryption-codec';
import { ENCRYPTION_KEYS_VARIABLE, encryptionKeysFromEnvironment } from '../encryption/encryption-keys';
import { oneLineErrors, repeatable } from './command-support';
import { integerOption } from './options';

export const CODEC_TOKEN_VARIABLE = 'CONNECT_TASK_ROUTER_CODEC_TOKEN';
const DEFAULT_PORT = 8888;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export function registerCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description(
      `Serve the codec endpoint that shows encrypted payloads decrypted (Web UI, temporal CLI), with the keys in $${ENCRYPTION_KEYS_VARIABLE}.`,
    )
    .showHelpAfterError(false)
    .option(
      '--port <n>',
      'port to listen on (0 picks a free one)',
      integerOption('--port', 0, 65535),
      DEFAULT_PORT,
    )
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option(
      '--cors-origin <origin>',
      'an origin whose pages may call the endpoint, e.g. the Web UI at http://localhost:8233 (repeatable)',
      repeatable,
      [],
    )
    .action(
      oneLineErrors(async (options: { port: number; host: string; corsOrigin: string[] }) => {
        const keys = encryptionKeysFromEnvironment();
        if (keys === undefined)
          throw new Error(`${ENCRYPTION_KEYS_VARIABLE} is not set: there is nothing to decrypt with`);
        const token = process.env[CODEC_TOKEN_VARIABLE] || undefined;
        if (token === undefined && !isLoopback(options.host)) {
          throw new Error(
            `--host ${options.host} serves plaintext to other machines: set ${CODEC_TOKEN_VARIABLE} so that only requests with "Authorization: Bearer <token>" get it`,
          );
        }
        const codec = new EncryptionCodec(keys);
        const server = await startCodecServer({
          codec,
          host: options.host,
          port: options.port,
          corsOrigins: options.corsOrigin,
          authorize: token === undefined ? undefined : bearerTokenCheck(token),
        });
        console.log(
          `Codec server on ${server.url} (keys ${codec.keyIds.join(', ')}, "${codec.currentKeyId}" encrypts; ` +
            `${token === undefined ? 'no authorization' : 'bearer token required'}; ` +
            `CORS: ${options.corsOrigin.length > 0 ? options.corsOrigin.join(', ') : 'none'})`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.stop();
      }),
    );
}
