import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { AgentEventForwarder, type AgentEventStreamRecord } from '../../../src/push/agent-event-forwarder';
import { followEmulatorEvents } from '../../../src/push/follow-emulator-events';
import type { AgentState } from '../../../src/shared/dispatcher-contract';
import { waitUntil } from '../../helpers/eventually';

const INSTANCE_ARN = 'arn:aws:connect:us-east-1:123456789012:instance/inst-1';

function record(agent: string, atMs: number, status: string, type = 'STATE_CHANGE'): AgentEventStreamRecord {
  return {
    EventType: type,
    EventTimestamp: new Date(atMs).toISOString(),
    AgentARN: `${INSTANCE_ARN}/agent/${agent}`,
    CurrentAgentSnapshot: {
      AgentStatus: { Name: status, StartTimestamp: new Date(atMs).toISOString() },
      Configuration: {
        RoutingProfile: {
          ARN: `${INSTANCE_ARN}/routing-profile/rp-1`,
          Concurrency: [{ Channel: 'TASK', AvailableSlots: status === 'Available' ? 1 : 0 }],
        },
      },
      Contacts: [],
    },
  };
}

/** A stand-in for the emulator's `/_emulator/events`: the test writes the records. */
async function startFeed(): Promise<{
  server: Server;
  endpoint: string;
  send(r: AgentEventStreamRecord): void;
}> {
  const subscribers = new Set<ServerResponse>();
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(': connected\n\n');
    subscribers.add(response);
    response.on('close', () => subscribers.delete(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    endpoint: `http://127.0.0.1:${port}`,
    send: (r) => subscribers.forEach((response) => response.write(`data: ${JSON.stringify(r)}\n\n`)),
  };
}

describe('followEmulatorEvents', () => {
  let feed: Awaited<ReturnType<typeof startFeed>>;
  beforeEach(async () => (feed = await startFeed()));
  afterEach(() => {
    feed.server.closeAllConnections();
    feed.server.close();
  });

  it('forwards a burst of records as one signal, and stop() sends the records still waiting', async () => {
    const signals: AgentState[][] = [];
    const client = {
      workflow: {
        getHandle: () => ({ signal: async (_: unknown, agents: AgentState[]) => void signals.push(agents) }),
      },
    } as unknown as Client;
    const errors: unknown[] = [];
    const forwarder = new AgentEventForwarder(client, { coalesceMs: 60_000 });
    const follower = followEmulatorEvents({
      endpoint: feed.endpoint,
      forwarder,
      onError: (error) => void errors.push(error),
    });
    await follower.connected;

    // A quiet instance: signalled at once.
    const t = Date.now();
    feed.send(record('carol', t, 'Available'));
    await waitUntil('the first record signalled', () =>
      follower.counts().signalled === 1 ? true : undefined,
    );
    assert.equal(signals.length, 1);

    // Within coalesceMs of that signal: a burst waits, for one signal.
    feed.send(record('alice', t + 1, 'Offline'));
    feed.send(record('alice', t + 2, 'Available', 'LOGIN'));
    feed.send(record('alice', t + 2, 'Available'));
    feed.send(record('bob', t + 3, 'Available'));
    feed.send({ ...record('bob', t + 3, 'Available'), EventType: 'HEART_BEAT' });
    await waitUntil('the burst reached the forwarder', () =>
      forwarder.stats().states === 5 && follower.counts().ignored === 1 ? true : undefined,
    );
    assert.equal(signals.length, 1, 'the burst waits for the end of coalesceMs');

    // Stopping sends it, rather than dropping it.
    await follower.stop();
    assert.equal(signals.length, 2, 'one signal for the burst');
    assert.deepEqual(
      signals[1].map(({ userId, statusName }) => `${userId} ${statusName}`),
      ['alice Available', 'bob Available'],
    );
    assert.deepEqual(follower.counts(), { signalled: 5, ignored: 1, 'no-dispatcher': 0 });
    assert.deepEqual(errors, []);
  });
});
