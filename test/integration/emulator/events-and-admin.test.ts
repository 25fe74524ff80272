import assert from 'node:assert/strict';
import { StartTaskContactCommand } from '@aws-sdk/client-connect';
import { AgentEventRecord, DEFAULT_CALL_CENTRE } from '../../../src/dev/emulator';
import {
  ALICE,
  assignTask,
  BILLING_FLOW,
  BILLING_PROFILE,
  createTask,
  currentUserData,
  eventually,
  GENERAL_QUEUE,
  PROMPT_AGENTS,
  queuedTask,
  QUIET,
  useEmulator,
} from './harness';

/** Follows GET /_emulator/events and collects the records it sends. */
async function followEvents(endpoint: string) {
  const abort = new AbortController();
  const response = await fetch(`${endpoint}/_emulator/events`, { signal: abort.signal });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const records: AgentEventRecord[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice('data: '.length))
            .join('\n');
          buffer = buffer.slice(end + 2);
          if (data) records.push(JSON.parse(data) as AgentEventRecord);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return {
    records,
    async close() {
      abort.abort();
      await reading;
    },
  };
}

const INSTANCE_ARN = `arn:aws:connect:us-east-1:123456789012:instance/${DEFAULT_CALL_CENTRE.instance.id}`;

describe('Connect emulator: agent event feed and admin API', () => {
  describe('GET /_emulator/events', () => {
    const env = useEmulator(() => PROMPT_AGENTS);

    it('streams STATE_CHANGE records shaped like Connect agent event stream records', async () => {
      const { emulator, connect, instanceId, admin } = env();
      const feed = await followEvents(emulator.endpoint);
      let contactId = '';
      try {
        await admin('PUT', `agents/${ALICE}/status`, { status: 'Offline' });
        emulator.setAgentStatus(ALICE, 'Available');
        contactId = await queuedTask(connect, instanceId);
        await assignTask(connect, instanceId, contactId, ALICE);
        emulator.completeContact(contactId);
        await eventually(() => assert.equal(feed.records.length, 6));
      } finally {
        await feed.close();
      }
      assert.deepEqual(
        feed.records.map((record) => record.EventType),
        ['STATE_CHANGE', 'LOGOUT', 'LOGIN', 'STATE_CHANGE', 'STATE_CHANGE', 'STATE_CHANGE'],
      );
      const [offline, available, connected, completed] = feed.records.filter(
        (record) => record.EventType === 'STATE_CHANGE',
      );
      assert.ok(offline && available && connected && completed);
      assert.equal(offline.EventType, 'STATE_CHANGE');
      assert.equal(offline.AgentARN, `${INSTANCE_ARN}/agent/${ALICE}`);
      assert.equal(offline.InstanceARN, INSTANCE_ARN);
      assert.equal(offline.AWSAccountId, '123456789012');
      assert.equal(offline.Version, '2019-05-25');
      assert.match(offline.EventId, /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(offline.EventTimestamp)));
      assert.equal(offline.PreviousAgentSnapshot?.AgentStatus.Name, 'Available');
      assert.equal(offline.CurrentAgentSnapshot.AgentStatus.Name, 'Offline');
      assert.equal(offline.CurrentAgentSnapshot.AgentStatus.Type, 'OFFLINE');
      assert.ok(!Number.isNaN(Date.parse(offline.CurrentAgentSnapshot.AgentStatus.StartTimestamp)));
      assert.equal(available.CurrentAgentSnapshot.AgentStatus.Name, 'Available');

      const configuration = connected.CurrentAgentSnapshot.Configuration;
      assert.equal(configuration.Username, 'alice');
      assert.equal(configuration.RoutingProfile.ARN, `${INSTANCE_ARN}/routing-profile/${BILLING_PROFILE}`);
      assert.equal(configuration.RoutingProfile.Name, 'Billing agents');
      assert.deepEqual(configuration.RoutingProfile.Concurrency, [
        { Channel: 'TASK', MaximumSlots: 1, AvailableSlots: 0 },
      ]);
      // The routed queues, as ListRoutingProfileQueues lists them (manualQueuesInRoutingProfileQueues: false).
      assert.deepEqual(configuration.RoutingProfile.InboundQueues, [
        { ARN: `${INSTANCE_ARN}/queue/${GENERAL_QUEUE}`, Name: 'General', Channels: ['TASK'] },
      ]);
      assert.deepEqual(connected.PreviousAgentSnapshot?.Contacts, []);
      assert.equal(connected.CurrentAgentSnapshot.Contacts.length, 1);
      assert.equal(connected.CurrentAgentSnapshot.Contacts[0]?.ContactId, contactId);
      assert.equal(connected.CurrentAgentSnapshot.Contacts[0]?.State, 'CONNECTED');
      assert.equal(connected.CurrentAgentSnapshot.Contacts[0]?.Channel, 'TASK');

      assert.deepEqual(completed.CurrentAgentSnapshot.Contacts, []);
      assert.deepEqual(completed.CurrentAgentSnapshot.Configuration.RoutingProfile.Concurrency, [
        { Channel: 'TASK', MaximumSlots: 1, AvailableSlots: 1 },
      ]);
    });
  });

  describe('GET /_emulator/events: LOGIN, LOGOUT, HEART_BEAT and offers', () => {
    const env = useEmulator(() => ({
      ...QUIET,
      heartbeatMs: 150,
      agents: DEFAULT_CALL_CENTRE.agents.filter((agent) => agent.id === ALICE),
    }));

    it('adds LOGOUT and LOGIN around status changes to and from Offline, and HEART_BEAT when an agent is quiet', async () => {
      const { emulator } = env();
      const feed = await followEvents(emulator.endpoint);
      try {
        emulator.setAgentStatus(ALICE, 'Offline');
        emulator.setAgentStatus(ALICE, 'Lunch');
        emulator.setAgentStatus(ALICE, 'Available');
        await eventually(() => assert.equal(feed.records.length, 6), 1000);
      } finally {
        await feed.close();
      }
      assert.deepEqual(
        feed.records.map((record) => [record.EventType, record.CurrentAgentSnapshot.AgentStatus.Name]),
        [
          ['STATE_CHANGE', 'Offline'],
          ['LOGOUT', 'Offline'],
          ['LOGIN', 'Lunch'],
          ['STATE_CHANGE', 'Lunch'],
          ['STATE_CHANGE', 'Available'],
          ['HEART_BEAT', 'Available'],
        ],
      );
      const [logout, login, heartbeat] = [feed.records[1], feed.records[2], feed.records[5]];
      assert.equal(logout?.PreviousAgentSnapshot?.AgentStatus.Name, 'Available');
      assert.equal(login?.PreviousAgentSnapshot?.AgentStatus.Name, 'Offline');
      assert.equal(heartbeat?.PreviousAgentSnapshot, null);
      const quietFor =
        Date.parse(heartbeat?.EventTimestamp ?? '') - Date.parse(feed.records[4]?.EventTimestamp ?? '');
      assert.ok(quietFor >= 140, `heartbeat after ${quietFor} ms`);
    });

    it('reports offered contacts as CONNECTING and a waiting status as NextAgentStatus', async () => {
      const { emulator, connect, instanceId } = env();
      const feed = await followEvents(emulator.endpoint);
      try {
        const { ContactId } = await connect.send(
          new StartTaskContactCommand({ InstanceId: instanceId, Name: 't', ContactFlowId: BILLING_FLOW }),
        );
        await assignTask(connect, instanceId, ContactId ?? '', ALICE);
        emulator.setAgentStatus(ALICE, 'Lunch');
        await eventually(() => assert.equal(feed.records.length, 2));
      } finally {
        await feed.close();
      }
      const [offered, lunchNext] = feed.records;
      assert.equal(offered?.CurrentAgentSnapshot.Contacts[0]?.State, 'CONNECTING');
      assert.equal(offered?.CurrentAgentSnapshot.Contacts[0]?.ConnectedToAgentTimestamp, null);
      assert.equal(lunchNext?.CurrentAgentSnapshot.AgentStatus.Name, 'Available');
      assert.equal(lunchNext?.CurrentAgentSnapshot.NextAgentStatus?.Name, 'Lunch');
    });
  });

  describe('admin routes', () => {
    const env = useEmulator();

    it('GET /_emulator/ledger and /_emulator/state report the ledger and the call centre', async () => {
      const { connect, instanceId, admin, emulator } = env();
      await createTask(connect, instanceId);
      const ledger = await admin('GET', 'ledger');
      assert.equal(ledger.status, 200);
      assert.deepEqual(ledger.body, emulator.ledger());
      assert.equal((ledger.body as { calls: { CreateContact: number } }).calls.CreateContact, 1);
      const state = (await admin('GET', 'state')).body as { agents: { id: string }[]; contacts: unknown[] };
      assert.deepEqual(
        state.agents.map((agent) => agent.id),
        DEFAULT_CALL_CENTRE.agents.map((agent) => agent.id),
      );
      assert.equal(state.contacts.length, 1);
    });

    it('PUT /_emulator/agents/{userId}/status changes the status GetCurrentUserData reports', async () => {
      const { connect, instanceId, admin } = env();
      assert.equal((await admin('PUT', `agents/${ALICE}/status`, { status: 'Lunch' })).status, 200);
      assert.equal((await currentUserData(connect, instanceId, ALICE))?.Status?.StatusName, 'Lunch');
      assert.equal((await admin('PUT', `agents/${ALICE}/status`, { status: 'Napping' })).status, 400);
      assert.equal((await admin('PUT', 'agents/no-such-user/status', { status: 'Available' })).status, 404);
      assert.equal((await admin('PUT', `agents/${ALICE}/status`, {})).status, 400);
      assert.equal((await admin('GET', 'no-such-route')).status, 404);
    });
  });

  describe('a scripted scenario', () => {
    const env = useEmulator(() => ({
      ...QUIET,
      scenario: [
        { atMs: 300, userId: ALICE, status: 'Offline' },
        { atMs: 600, userId: ALICE, status: 'Available' },
      ],
    }));

    it('moves agents between statuses at the given offsets', async () => {
      const { connect, instanceId } = env();
      const status = async () => (await currentUserData(connect, instanceId, ALICE))?.Status?.StatusName;
      assert.equal(await status(), 'Available');
      await eventually(async () => assert.equal(await status(), 'Offline'), 500);
      await eventually(async () => assert.equal(await status(), 'Available'));
    });
  });
});
