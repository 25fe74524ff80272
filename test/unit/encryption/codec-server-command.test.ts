import { randomBytes } from 'node:crypto';
import { CODEC_TOKEN_VARIABLE } from '../../../src/cli/codec-server-command';
import { ENCRYPTION_KEYS_VARIABLE } from '../../../src/encryption/encryption-keys';
import { assertOneLineMistake, runCli } from '../../helpers/cli';

describe('connect-task-router codec-server: what it refuses to start with', () => {
  const saved = { keys: process.env[ENCRYPTION_KEYS_VARIABLE], token: process.env[CODEC_TOKEN_VARIABLE] };
  afterEach(() => {
    for (const [name, value] of [
      [ENCRYPTION_KEYS_VARIABLE, saved.keys],
      [CODEC_TOKEN_VARIABLE, saved.token],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('no keys, a bad key, or another interface than loopback without a token: one line, exit code 1', async () => {
    delete process.env[CODEC_TOKEN_VARIABLE];
    delete process.env[ENCRYPTION_KEYS_VARIABLE];
    assertOneLineMistake(
      await runCli(['codec-server']),
      /^error: CONNECT_TASK_ROUTER_ENCRYPTION_KEYS is not set/,
      'no keys',
    );
    process.env[ENCRYPTION_KEYS_VARIABLE] = 'k1:c2hvcnQ=';
    assertOneLineMistake(
      await runCli(['codec-server']),
      /^error: CONNECT_TASK_ROUTER_ENCRYPTION_KEYS entry 1 \(key "k1"\): the key must be 32 bytes/,
      'a bad key',
    );
    process.env[ENCRYPTION_KEYS_VARIABLE] = `k1:${randomBytes(32).toString('base64')}`;
    assertOneLineMistake(
      await runCli(['codec-server', '--host', '0.0.0.0']),
      /^error: --host 0\.0\.0\.0 serves plaintext to other machines: set CONNECT_TASK_ROUTER_CODEC_TOKEN/,
      'no token off loopback',
    );
  });
});
