import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetCurrentUserDataCommand,
  ListQueuesCommand,
  StartTaskContactCommand,
  DescribeContactCommand,
} from '@aws-sdk/client-connect';
import { EmulatorConfig, startEmulator } from '../../../src/dev/emulator';
import { connectClient } from './harness';

describe('Connect emulator: configuration', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'emulator-config-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('serves the call centre described in a JSON config file', async () => {
    const path = join(directory, 'centre.json');
    writeFileSync(
      path,
      JSON.stringify({
        instance: { id: 'my-instance', accountId: '000011112222', region: 'eu-west-2' },
        queues: [{ id: 'claims', name: 'Claims' }],
        routingProfiles: [
          { id: 'claims-team', name: 'Claims team', queueIds: ['claims'], taskConcurrency: 4 },
        ],
        agents: [{ id: 'zoe', username: 'zoe', routingProfileId: 'claims-team', status: 'Offline' }],
        contactFlows: [{ id: 'claims-flow', name: 'Claims flow', queueId: 'claims' }],
      }),
    );
    const emulator = await startEmulator({ config: path, seed: 1 });
    const connect = connectClient(emulator.endpoint);
    try {
      assert.equal(emulator.instanceId, 'my-instance');
      const { QueueSummaryList } = await connect.send(new ListQueuesCommand({ InstanceId: 'my-instance' }));
      assert.deepEqual(
        QueueSummaryList?.map((queue) => [queue.Id, queue.Arn]),
        [['claims', 'arn:aws:connect:eu-west-2:000011112222:instance/my-instance/queue/claims']],
      );
      const { UserDataList } = await connect.send(
        new GetCurrentUserDataCommand({ InstanceId: 'my-instance', Filters: { Queues: ['claims'] } }),
      );
      assert.equal(UserDataList?.[0]?.Status?.StatusName, 'Offline');
      assert.deepEqual(UserDataList?.[0]?.MaxSlotsByChannel, { TASK: 4 });
      const { ContactId } = await connect.send(
        new StartTaskContactCommand({ InstanceId: 'my-instance', Name: 'c', ContactFlowId: 'claims-flow' }),
      );
      const { Contact } = await connect.send(
        new DescribeContactCommand({ InstanceId: 'my-instance', ContactId }),
      );
      assert.equal(Contact?.QueueInfo?.Id, 'claims');
    } finally {
      connect.destroy();
      await emulator.stop();
    }
  });

  it('refuses a config whose references do not resolve, naming the problem', async () => {
    await assert.rejects(
      startEmulator({ config: { agents: [{ id: 'x', username: 'x', routingProfileId: 'nowhere' }] } }),
      /agent x has unknown routing profile nowhere/,
    );
    await assert.rejects(
      startEmulator({
        config: { routingProfiles: [{ id: 'p', name: 'P', queueIds: ['q'], taskConcurrency: 11 }] },
      }),
      /taskConcurrency/,
    );
  });

  it('refuses the removed `behaviour` key: every switch is set on its own', async () => {
    const config = { behaviour: 'legacy' } as EmulatorConfig;
    await assert.rejects(startEmulator({ config }), /Unrecognized key: "behaviour"/);
  });

  it('refuses an unreadable config file', async () => {
    const path = join(directory, 'broken.json');
    writeFileSync(path, '{ not json');
    await assert.rejects(startEmulator({ config: path }), /Cannot read emulator config/);
  });
});
