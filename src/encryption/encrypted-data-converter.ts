/**
 * The data converter of an encrypted deployment: every payload through the EncryptionCodec, and
 * failures' messages and stack traces made payloads first (see encoded-failure-converter), so that
 * neither lies in Temporal's history in clear text. Workers and clients must share it: give the same
 * keys to `createWorker({ dataConverter })` and to the `Client` the worker and your services use.
 */
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { type EncryptionKey, encryptionKeysFromEnvironment } from './encryption-keys';

/** `failureConverterPath` of encrypted deployments; the package prebuilds a workflow bundle for it. */
export const encodedFailureConverterPath: string = require.resolve('../shared/encoded-failure-converter');

export function encryptedDataConverter(keys: readonly EncryptionKey[]): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath: encodedFailureConverterPath };
}

/** The encrypted data converter when CONNECT_TASK_ROUTER_ENCRYPTION_KEYS is set; undefined otherwise. */
export function dataConverterFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): DataConverter | undefined {
  const keys = encryptionKeysFromEnvironment(env);
  return keys && encryptedDataConverter(keys);
}
