/**
 * Payload encryption end to end, on the shared dev server and the emulator: a worker and a client
 * with the same key route a task; its history and its dispatcher's, as the server stores them, hold
 * the contact's name, description and attribute values nowhere (every payload is ciphertext, the
 * summaries and failure messages too), while the client with the key reads plaintext, Connect gets
 * the real contact, and a client without the key reads nothing. The codec server shows the `temporal`
 * CLI plaintext only with its token.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { EVERYONE_OFFLINE, defaultAgentId, defaultQueueId } from '../../../src/dev/emulator';
import {
  type InProcessWorker,
  inProcessWorker,
  type LocalStack,
  startLocalStack,
} from '../../../src/dev/local-stack';
import { findTemporalCli } from '../../../src/dev/temporal-cli';
import {
  bearerTokenCheck,
  type RunningCodecServer,
  startCodecServer,
} from '../../../src/encryption/codec-server';
import { encryptedDataConverter } from '../../../src/encryption/encrypted-data-converter';
import { EncryptionCodec, isEncryptedPayload } from '../../../src/encryption/encryption-codec';
import { parseEncryptionKeys } from '../../../src/encryption/encryption-keys';
import { LOCAL_DISPATCHER_SETTINGS } from '../../../src/shared/dispatcher-contract';
import type { RouteTaskInput } from '../../../src/shared/route-task-contract';
import type { routeTask } from '../../../workflows/route-task';
import { decodedHistoryText, historyBytes, historyPayloads } from '../../helpers/history';
import { sharedTestEnv, uniqueTaskQueue } from '../../helpers/temporal';

const run = promisify(execFile);

const ALICE = defaultAgentId('alice');
const BILLING_QUEUE = defaultQueueId('Billing');
const KEYS = `it-2026:${randomBytes(32).toString('base64')}`;
const CODEC_TOKEN = 'payload-encryption-test-token-91c4';
/** What must never be in the server's history in clear text. */
const CONTACT = {
  name: 'Call back Mrs Cleartext about claim 73519',
  description: 'Her new address is 12 Plaintext Lane',
  attributes: { claim: 'CLM-73519-private', vip: 'secret-tier-gold' },
};
const CLEAR_TEXT = [CONTACT.name, CONTACT.description, ...Object.values(CONTACT.attributes)];

/** The SDK writes its patch markers' ids without the codec: names of code changes, no data. */
const SDK_PATCH_MARKER = /\.markerRecordedEventAttributes\.details\.patch-data\./;

/** The CLI's JSON output, with each payload's base64 `data` decoded beside it. */
function withPayloadData(output: string): Buffer {
  const data = [...output.matchAll(/"data": "([A-Za-z0-9+/=\s]*)"/g)].map((match) =>
    Buffer.from(match[1]!.replace(/\s/g, ''), 'base64'),
  );
  return Buffer.concat([Buffer.from(output), ...data]);
}

function assertNoClearText(bytes: Buffer, what: string): void {
  for (const text of CLEAR_TEXT) assert.ok(!bytes.includes(text), `"${text}" in clear text in ${what}`);
}

describe('payload encryption (worker and client with CONNECT_TASK_ROUTER_ENCRYPTION_KEYS)', () => {
  const dataConverter = encryptedDataConverter(parseEncryptionKeys(KEYS));
  let stack: LocalStack<InProcessWorker>;
  let plainClient: Client;
  let codecServer: RunningCodecServer;
  let address: string;

  before(async () => {
    const env = await sharedTestEnv();
    address = env.address;
    plainClient = env.client;
    const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter });
    stack = await startLocalStack({
      temporal: { client, nativeConnection: env.nativeConnection },
      instanceId: `encryption-test-${process.pid}-${Date.now().toString(36)}`,
      taskQueue: uniqueTaskQueue('encryption'),
      emulatorConfig: EVERYONE_OFFLINE,
      connectCallRates: { create: 20, transfer: 20, associate: 20, userData: 20, list: 20 },
      seed: 5,
      worker: inProcessWorker({ dispatcherSettings: LOCAL_DISPATCHER_SETTINGS, encryptionKeys: KEYS }),
    });
    codecServer = await startCodecServer({
      codec: new EncryptionCodec(parseEncryptionKeys(KEYS)),
      authorize: bearerTokenCheck(CODEC_TOKEN),
    });
  });
  after(async () => {
    await codecServer?.stop();
    await stack?.stop();
  });

  it('routes a task whose contact lies in history only as ciphertext, and reads it in plaintext through the client', async () => {
    stack.emulator.setAgentOffers(ALICE, { autoAccept: true });
    stack.emulator.setAgentStatus(ALICE, 'Available');
    const handle = await stack.startTask('encrypted', { queueId: BILLING_QUEUE, contact: CONTACT });
    const result = await handle.result();
    assert.equal(result.outcome, 'assigned');
    assert.equal(result.userId, ALICE);

    // Connect gets the real contact: encryption is between the package and Temporal only.
    const contact = stack.emulator.snapshot().contacts.find((entry) => entry.id === result.contactId);
    assert.equal(contact?.name, CONTACT.name);
    assert.deepEqual(contact?.attributes, CONTACT.attributes);

    // The client with the key reads plaintext: the input, the summary (a payload too), the result.
    const description = await handle.describe();
    assert.match((await description.staticSummary()) ?? '', /Mrs Cleartext/);

    // The server's copy: ciphertext everywhere, in the task's history and in its dispatcher's.
    for (const [what, history] of [
      ['the routeTask history', await handle.fetchHistory()],
      ["the dispatcher's history", await stack.dispatcher.fetchHistory()],
    ] as const) {
      assertNoClearText(historyBytes(history), what);
      const payloads = historyPayloads(history);
      assert.ok(payloads.length > 0, `payloads in ${what}`);
      const clear = payloads
        .filter(({ payload, path }) => !isEncryptedPayload(payload) && !SDK_PATCH_MARKER.test(path))
        .map(({ path }) => path);
      assert.deepEqual(clear, [], `payloads in clear text in ${what}`);
    }
    // The check would see them: decoded with the key, the same history holds them all.
    const decoded = await decodedHistoryText(await handle.fetchHistory(), dataConverter.payloadCodecs![0]!);
    for (const text of CLEAR_TEXT) assert.ok(decoded.includes(text), `"${text}" in the decoded history`);

    // Without the key, a client reads nothing of it.
    await assert.rejects(plainClient.workflow.getHandle(handle.workflowId).result(), /binary\/encrypted/);
  });

  it('encrypts failure messages too: an invalid input fails the run, and only the client with the key reads why', async () => {
    // Past the client-side check (startRouteTask would refuse it before starting anything).
    const input: RouteTaskInput = {
      instanceId: stack.instanceId,
      queueId: BILLING_QUEUE,
      contact: { ...CONTACT, name: '' },
    } as RouteTaskInput;
    const handle = await stack.client.workflow.start<typeof routeTask>('routeTask', {
      workflowId: `route-task/${stack.instanceId}/invalid-encrypted`,
      taskQueue: stack.taskQueue,
      args: [input],
    });
    await assert.rejects(handle.result(), (error: Error) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.match(error.cause?.message ?? '', /^Invalid routeTask input: /);
      return true;
    });
    const bytes = historyBytes(await handle.fetchHistory());
    assert.ok(bytes.includes('Encoded failure'), 'the failure is encoded');
    assert.ok(!bytes.includes('Invalid routeTask input'), 'the failure message in clear text');
    assertNoClearText(bytes, 'the failed run');
  });

  it('shows the `temporal` CLI plaintext through the codec server, with the token only', async () => {
    const cli = findTemporalCli();
    if (!cli) {
      throw new Error('No Temporal CLI: run `npm run temporal-cli` (npm test does) or set TEMPORAL_CLI.');
    }
    const workflowId = `route-task/${stack.instanceId}/encrypted`;
    const show = (extra: string[]) =>
      run(
        cli.path,
        ['workflow', 'show', '--workflow-id', workflowId, '--address', address, '--output', 'json', ...extra],
        { timeout: 60_000 },
      ).then(
        ({ stdout }) => stdout,
        (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
    const withToken = withPayloadData(
      await show(['--codec-endpoint', codecServer.url, '--codec-auth', `Bearer ${CODEC_TOKEN}`]),
    );
    for (const text of CLEAR_TEXT) {
      assert.ok(withToken.includes(text), `"${text}" decoded through the codec server`);
    }
    // Refused, the CLI retries for 10 s before it gives up: one such call (the unit test has the rest).
    for (const output of [
      await show([]),
      await show(['--codec-endpoint', codecServer.url, '--codec-auth', 'Bearer wrong-token']),
    ]) {
      assertNoClearText(withPayloadData(output), 'the CLI output without the token');
    }
  });
});
