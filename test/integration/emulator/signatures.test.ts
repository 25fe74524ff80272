/**
 * The emulator authenticates Connect requests as Connect does: unsigned ones are refused, and with
 * credentials configured (as in every conformance test, see harness.ts) the SigV4 signature is
 * recomputed with the access key's secret, so an unknown key, a wrong secret or a body changed after
 * signing is refused. The admin API needs no signature.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { ConnectClient, ListUserProficienciesCommand } from '@aws-sdk/client-connect';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { startEmulator } from '../../../src/dev/emulator';
import { ALICE, createTask, expectConnectError, QUIET, TASK, TEST_CREDENTIALS, useEmulator } from './harness';

interface RawResponse {
  status: number;
  errorType: string | undefined;
  body: string;
}

/** One request as given, headers and all (fetch would add and drop some). */
function send(endpoint: string, method: string, path: string, headers: Record<string, string>, body: string) {
  return new Promise<RawResponse>((resolve, reject) => {
    const request = httpRequest(`${endpoint}${path}`, { method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          errorType: response.headers['x-amzn-errortype'] as string | undefined,
          body: text,
        }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Signs a CreateContact request for the emulator with `credentials`, as the SDK would. */
async function signedCreateContact(
  endpoint: string,
  instanceId: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
) {
  const { host } = new URL(endpoint);
  const body = JSON.stringify({ InstanceId: instanceId, ...TASK });
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'connect', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'PUT',
    protocol: 'http:',
    hostname: host,
    path: '/contact/create-contact',
    query: {},
    headers: { host, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  return { headers: signed.headers, body };
}

describe('emulator: SigV4 authentication of Connect requests', () => {
  const env = useEmulator(() => QUIET);

  it('refuses an unsigned request and a malformed Authorization header with AccessDeniedException (403)', async () => {
    const { emulator, instanceId } = env();
    const body = JSON.stringify({ InstanceId: instanceId, ...TASK });
    for (const authorization of [undefined, 'Bearer abc', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE']) {
      const response = await send(
        emulator.endpoint,
        'PUT',
        '/contact/create-contact',
        { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body,
      );
      assert.equal(response.status, 403, String(authorization));
      assert.equal(response.errorType, 'AccessDeniedException');
    }
    assert.equal(emulator.ledger().contactsCreated, 0);
  });

  it("accepts the SDK's signed requests, path labels and query strings included", async () => {
    const { connect, instanceId } = env();
    await createTask(connect, instanceId);
    const listed = await connect.send(
      new ListUserProficienciesCommand({ InstanceId: instanceId, UserId: ALICE, MaxResults: 5 }),
    );
    assert.deepEqual(listed.UserProficiencyList, []);
  });

  it('refuses an access key it does not know with UnrecognizedClientException (403)', async () => {
    const { emulator, instanceId } = env();
    const stranger = new ConnectClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: TEST_CREDENTIALS.secretAccessKey },
      maxAttempts: 1,
    });
    await expectConnectError(createTask(stranger, instanceId), {
      name: 'UnrecognizedClientException',
      status: 403,
    });
    stranger.destroy();
    assert.equal(emulator.ledger().contactsCreated, 0);
  });

  it('refuses a signature made with another secret, or a body changed after signing, with InvalidSignatureException (403)', async () => {
    const { emulator, instanceId } = env();
    const wrongSecret = new ConnectClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' },
      maxAttempts: 1,
    });
    await expectConnectError(createTask(wrongSecret, instanceId), {
      name: 'InvalidSignatureException',
      status: 403,
      message: /signature we calculated does not match/,
    });
    wrongSecret.destroy();

    const { headers, body } = await signedCreateContact(emulator.endpoint, instanceId, TEST_CREDENTIALS);
    const altered = body.replace('"task"', '"TASK"');
    assert.notEqual(altered, body);
    const refused = await send(emulator.endpoint, 'PUT', '/contact/create-contact', headers, altered);
    assert.equal(refused.status, 403, refused.body);
    assert.equal(refused.errorType, 'InvalidSignatureException');
    assert.equal(emulator.ledger().contactsCreated, 0);

    // The same request as signed passes: the refusal was the change, not the way it was sent.
    const accepted = await send(emulator.endpoint, 'PUT', '/contact/create-contact', headers, body);
    assert.equal(accepted.status, 200, accepted.body);
    assert.equal(emulator.ledger().contactsCreated, 1);
  });

  it('needs no signature on the admin API', async () => {
    const { admin } = env();
    assert.equal((await admin('GET', 'ledger')).status, 200);
  });

  it('without credentials, takes any well-formed signature (any local access key works)', async () => {
    const emulator = await startEmulator({ config: QUIET, seed: 7 });
    const connect = new ConnectClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      await createTask(connect, emulator.instanceId);
      assert.equal(emulator.ledger().contactsCreated, 1);
      // Still signed, though: the header must be there.
      const unsigned = await send(
        emulator.endpoint,
        'PUT',
        '/contact/create-contact',
        { 'content-type': 'application/json' },
        JSON.stringify({ InstanceId: emulator.instanceId, ...TASK }),
      );
      assert.equal(unsigned.errorType, 'AccessDeniedException');
    } finally {
      connect.destroy();
      await emulator.stop();
    }
  });
});
