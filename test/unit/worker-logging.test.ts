import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createWorkerLogger, REDACTED } from '../../src/worker/logging';

describe("the worker's logger: no secrets", () => {
  const key = randomBytes(32).toString('base64');
  const env = {
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key-0a1b2c',
    TEMPORAL_API_KEY: 'fake-temporal-api-key-3d4e5f',
    CONNECT_TASK_ROUTER_ENCRYPTION_KEYS: `k2:${key},k1:${randomBytes(32).toString('base64')}`,
  };

  for (const format of ['json', 'pretty'] as const) {
    it(`redacts secret variables' values anywhere in a ${format} line, each encryption key on its own too`, () => {
      const lines: string[] = [];
      const logger = createWorkerLogger({ format, level: 'DEBUG', env, write: (line) => lines.push(line) });
      logger.info(`connecting with ${env.TEMPORAL_API_KEY}`, { note: `key ${key} in a field` });
      logger.warn('config', { encryptionKeys: env.CONNECT_TASK_ROUTER_ENCRYPTION_KEYS, apiKey: 'x' });
      logger.debug('aws', {
        error: new Error(`signed with ${env.AWS_SECRET_ACCESS_KEY}`),
        encryptionKeyId: 'k2',
      });
      const output = lines.join('\n');
      for (const secret of [...Object.values(env), key]) assert.ok(!output.includes(secret), output);
      assert.ok(output.includes(REDACTED));
      assert.ok(output.includes('k2'), 'a key id is not a secret');
    });
  }
});
