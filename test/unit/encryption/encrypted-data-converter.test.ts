import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { DefaultFailureConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import {
  dataConverterFromEnvironment,
  encodedFailureConverterPath,
  encryptedDataConverter,
} from '../../../src/encryption/encrypted-data-converter';
import { EncryptionCodec } from '../../../src/encryption/encryption-codec';
import { ENCRYPTION_KEYS_VARIABLE } from '../../../src/encryption/encryption-keys';
import { createWorker } from '../../../src/worker/create-worker';

const KEYS = [{ id: 'k1', material: randomBytes(32) }];

describe('the encrypted data converter', () => {
  it('encrypts payloads and encodes failure messages and stack traces', () => {
    const converter = encryptedDataConverter(KEYS);
    assert.equal(converter.payloadCodecs?.length, 1);
    assert.ok(converter.payloadCodecs?.[0] instanceof EncryptionCodec);
    assert.equal(converter.failureConverterPath, encodedFailureConverterPath);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { failureConverter } = require(encodedFailureConverterPath) as { failureConverter: unknown };
    assert.ok(failureConverter instanceof DefaultFailureConverter);
    assert.equal(failureConverter.options.encodeCommonAttributes, true);
  });

  it('comes from CONNECT_TASK_ROUTER_ENCRYPTION_KEYS, and is absent without it', () => {
    assert.equal(dataConverterFromEnvironment({}), undefined);
    const key = randomBytes(32).toString('base64');
    const converter = dataConverterFromEnvironment({ [ENCRYPTION_KEYS_VARIABLE]: `k9:${key}` });
    assert.equal((converter?.payloadCodecs?.[0] as EncryptionCodec).currentKeyId, 'k9');
  });

  it("is refused by createWorker next to a client that would write the dispatcher's payloads in clear text", async () => {
    const temporal = new Client(); // lazy: never connects here
    await assert.rejects(
      createWorker({
        connection: undefined as unknown as NativeConnection,
        temporal,
        dataConverter: encryptedDataConverter(KEYS),
      }),
      /the dataConverter has payload codecs but the `temporal` client has none/,
    );
  });
});
