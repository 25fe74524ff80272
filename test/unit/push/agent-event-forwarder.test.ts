import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import {
  AgentEventForwarder,
  AgentEventForwarderClosedError,
  agentUpdateFromRecord,
  type AgentEventStreamRecord,
} from '../../../src/push/agent-event-forwarder';
import type { AgentState } from '../../../src/shared/dispatcher-contract';

const INSTANCE_ARN = 'arn:aws:connect:us-east-1:123456789012:instance/inst-1';

/** A record as a Connect agent event stream (and the emulator's feed) sends it. */
const record = (fields: Record<string, unknown> = {}) => ({
  EventType: 'STATE_CHANGE',
  EventTimestamp: '2026-03-02T10:00:05.000Z',
  AgentARN: `${INSTANCE_ARN}/agent/agent-7`,
  InstanceARN: INSTANCE_ARN,
  CurrentAgentSnapshot: {
    AgentStatus: {
      Name: 'Available',
      StartTimestamp: '2026-03-02T10:00:00.000Z',
      ARN: 'x',
      Type: 'ROUTABLE',
    },
    Configuration: {
      Username: 'g',
      RoutingProfile: {
        ARN: `${INSTANCE_ARN}/routing-profile/rp-2`,
        Concurrency: [
          { Channel: 'VOICE', MaximumSlots: 1, AvailableSlots: 1 },
          { Channel: 'TASK', MaximumSlots: 3, AvailableSlots: 2 },
        ],
      },
    },
    Contacts: [
      { ContactId: 'c-1', Channel: 'TASK', State: 'CONNECTING' },
      { ContactId: 'c-2', Channel: 'TASK', State: 'SOMETHING_NEW' },
    ],
  },
  ...fields,
});

describe('agentUpdateFromRecord', () => {
  it('reads the agent, routing profile, status, free TASK slots and contacts of a STATE_CHANGE', () => {
    assert.deepEqual(agentUpdateFromRecord(record()), {
      instanceId: 'inst-1',
      update: {
        userId: 'agent-7',
        routingProfileId: 'rp-2',
        statusName: 'Available',
        statusSince: Date.parse('2026-03-02T10:00:00.000Z'),
        freeTaskSlots: 2,
        contacts: [{ contactId: 'c-1', state: 'CONNECTING' }, { contactId: 'c-2' }],
        observedAt: Date.parse('2026-03-02T10:00:05.000Z'),
      },
    });
  });

  it('reads the status the agent asked to go to next (NextAgentStatus), when there is one', () => {
    const asked = record();
    const snapshot = { ...asked.CurrentAgentSnapshot, NextAgentStatus: { Name: 'Offline', ARN: 'y' } };
    const parsed = agentUpdateFromRecord({ ...asked, CurrentAgentSnapshot: snapshot });
    assert.equal(parsed?.update.nextStatusName, 'Offline');
    const none = { ...asked.CurrentAgentSnapshot, NextAgentStatus: null };
    assert.equal(
      agentUpdateFromRecord({ ...asked, CurrentAgentSnapshot: none })?.update.nextStatusName,
      undefined,
    );
  });

  it('ignores heartbeats and records without a current snapshot', () => {
    assert.equal(agentUpdateFromRecord(record({ EventType: 'HEART_BEAT' })), undefined);
    assert.equal(agentUpdateFromRecord(record({ CurrentAgentSnapshot: null })), undefined);
  });

  it('ignores an agent ARN it cannot read', () => {
    assert.equal(agentUpdateFromRecord(record({ AgentARN: 'agent-7' })), undefined);
  });
});

/** A Temporal client that records the signals sent to each workflow, and fails them as told. */
class FakeTemporal {
  readonly sent: { workflowId: string; signalName: string; agents: AgentState[] }[] = [];
  /** Per workflow id: what its next signals do (default: arrive). */
  readonly behaviour = new Map<string, 'not-found' | Error | { delayMs: number }>();

  readonly client = {
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async (definition: { name: string }, agents: AgentState[]) => {
          const behaviour = this.behaviour.get(workflowId);
          if (behaviour === 'not-found') throw new WorkflowNotFoundError('not found', workflowId, undefined);
          if (behaviour instanceof Error) throw behaviour;
          if (behaviour) await sleep(behaviour.delayMs);
          this.sent.push({ workflowId, signalName: definition.name, agents });
        },
      }),
    },
  } as unknown as Client;

  /** userId@observedAt of each agent of each signal, by dispatcher. */
  summary(): string[] {
    return this.sent.map(
      ({ workflowId, agents }) =>
        `${workflowId}: ${agents.map((agent) => `${agent.userId}@${agent.observedAt}/${agent.statusName}`).join(' ')}`,
    );
  }
}

const T = Date.parse('2026-03-02T10:00:05.000Z');

/** A STATE_CHANGE of `agent` in `instance`, `offsetMs` after T, in status `status`. */
function event(
  instance: string,
  agent: string,
  offsetMs: number,
  status = 'Available',
): AgentEventStreamRecord {
  const instanceArn = `arn:aws:connect:us-east-1:123456789012:instance/${instance}`;
  return {
    EventType: 'STATE_CHANGE',
    EventTimestamp: new Date(T + offsetMs).toISOString(),
    AgentARN: `${instanceArn}/agent/${agent}`,
    CurrentAgentSnapshot: {
      AgentStatus: { Name: status, StartTimestamp: new Date(T).toISOString() },
      Configuration: {
        RoutingProfile: {
          ARN: `${instanceArn}/routing-profile/rp-1`,
          Concurrency: [{ Channel: 'TASK', AvailableSlots: 1 }],
        },
      },
      Contacts: [],
    },
  };
}

const heartbeat = (instance: string, agent: string) => ({
  ...event(instance, agent, 0),
  EventType: 'HEART_BEAT',
});

describe('AgentEventForwarder.forwardAll (a batch of records)', () => {
  it('sends one agentsChanged signal per instance, with the newest state of each agent', async () => {
    const temporal = new FakeTemporal();
    const forwarder = new AgentEventForwarder(temporal.client);
    const outcomes = await forwarder.forwardAll([
      event('i-1', 'a', 100, 'Available'),
      event('i-2', 'x', 50),
      event('i-1', 'a', 300, 'Offline'), // the newest of a: Offline must win
      event('i-1', 'b', 10),
      event('i-1', 'a', 200, 'Busy'), // older than the Offline record, though later in the batch
      heartbeat('i-1', 'b'),
      event('i-1', 'b', 10, 'Lunch'), // same timestamp as the earlier record of b: the later record wins
    ]);

    assert.deepEqual(outcomes, [
      'signalled',
      'signalled',
      'signalled',
      'signalled',
      'signalled',
      'ignored',
      'signalled',
    ]);
    assert.deepEqual(
      temporal.sent.map(({ signalName }) => signalName),
      ['agentsChanged', 'agentsChanged'],
    );
    assert.deepEqual(temporal.summary().sort(), [
      `connect-dispatcher/i-1: a@${T + 300}/Offline b@${T + 10}/Lunch`,
      `connect-dispatcher/i-2: x@${T + 50}/Available`,
    ]);
    assert.deepEqual(forwarder.stats(), { states: 6, signals: 2, noDispatcher: 0, failed: 0 });
  });

  it('sends nothing for a batch of heartbeats', async () => {
    const temporal = new FakeTemporal();
    const forwarder = new AgentEventForwarder(temporal.client);
    assert.deepEqual(await forwarder.forwardAll([heartbeat('i-1', 'a')]), ['ignored']);
    assert.deepEqual(await forwarder.forwardAll([]), []);
    assert.equal(temporal.sent.length, 0);
  });

  it("reports 'no-dispatcher' for the records of an instance with no dispatcher", async () => {
    const temporal = new FakeTemporal();
    temporal.behaviour.set('connect-dispatcher/i-1', 'not-found');
    const forwarder = new AgentEventForwarder(temporal.client);
    const outcomes = await forwarder.forwardAll([
      event('i-1', 'a', 0),
      event('i-2', 'x', 0),
      event('i-1', 'b', 0),
    ]);
    assert.deepEqual(outcomes, ['no-dispatcher', 'signalled', 'no-dispatcher']);
    assert.deepEqual(temporal.summary(), [`connect-dispatcher/i-2: x@${T}/Available`]);
  });

  it("rejects with a failed signal's error, after the other instances' signals went out", async () => {
    const temporal = new FakeTemporal();
    const failure = new Error('Temporal unavailable');
    temporal.behaviour.set('connect-dispatcher/i-1', failure);
    const forwarder = new AgentEventForwarder(temporal.client);
    await assert.rejects(forwarder.forwardAll([event('i-1', 'a', 0), event('i-2', 'x', 0)]), failure);
    assert.deepEqual(temporal.summary(), [`connect-dispatcher/i-2: x@${T}/Available`]);
    assert.equal(forwarder.stats().failed, 1);

    temporal.behaviour.set('connect-dispatcher/i-2', new Error('also down'));
    await assert.rejects(
      forwarder.forwardAll([event('i-1', 'a', 0), event('i-2', 'x', 0)]),
      (error: unknown) => error instanceof AggregateError && error.errors.length === 2,
    );
  });

  it('splits an instance with more agents than maxAgentsPerSignal into several signals, in order', async () => {
    const temporal = new FakeTemporal();
    const forwarder = new AgentEventForwarder(temporal.client, { maxAgentsPerSignal: 2 });
    await forwarder.forwardAll(['a', 'b', 'c', 'd', 'e'].map((agent) => event('i-1', agent, 0)));
    assert.deepEqual(
      temporal.sent.map(({ agents }) => agents.map(({ userId }) => userId)),
      [['a', 'b'], ['c', 'd'], ['e']],
    );
  });
});

describe('AgentEventForwarder.forward (at most one signal per instance per coalesceMs)', () => {
  it('sends a quiet instance its records at once, and those within coalesceMs of that signal in one signal after it', async () => {
    const temporal = new FakeTemporal();
    const coalesceMs = 1_500;
    const forwarder = new AgentEventForwarder(temporal.client, { coalesceMs });
    const started = Date.now();
    // One moment's records (an agent going Available sends LOGIN and STATE_CHANGE together).
    const first = await Promise.all([
      forwarder.forward(event('i-1', 'a', 0, 'Offline')),
      forwarder.forward(event('i-1', 'a', 1, 'Available')),
      forwarder.forward(event('i-2', 'x', 0)),
      forwarder.forward(heartbeat('i-1', 'a')),
    ]);
    assert.deepEqual(first, ['signalled', 'signalled', 'signalled', 'ignored']);
    assert.ok(Date.now() - started < coalesceMs, 'a quiet instance is signalled at once');
    assert.deepEqual(temporal.summary().sort(), [
      `connect-dispatcher/i-1: a@${T + 1}/Available`,
      `connect-dispatcher/i-2: x@${T}/Available`,
    ]);

    // Within coalesceMs of that signal: the records wait, and share one signal.
    const sentAt = Date.now();
    const later = [forwarder.forward(event('i-1', 'b', 2)), forwarder.forward(event('i-1', 'a', 3, 'Busy'))];
    await sleep(50);
    later.push(forwarder.forward(event('i-1', 'a', 4, 'Offline')));
    assert.equal(temporal.sent.length, 2, 'nothing more is sent within coalesceMs of the last signal');
    assert.deepEqual(await Promise.all(later), ['signalled', 'signalled', 'signalled']);
    assert.ok(Date.now() - sentAt >= coalesceMs - 100, 'the next signal waited for the end of coalesceMs');
    assert.deepEqual(temporal.summary().slice(2), [
      `connect-dispatcher/i-1: b@${T + 2}/Available a@${T + 4}/Offline`,
    ]);
    assert.deepEqual(forwarder.stats(), { states: 6, signals: 3, noDispatcher: 0, failed: 0 });
  });

  it("sends one instance's windows in order, even when a signal is slow", async () => {
    const temporal = new FakeTemporal();
    temporal.behaviour.set('connect-dispatcher/i-1', { delayMs: 80 });
    const forwarder = new AgentEventForwarder(temporal.client, { coalesceMs: 10 });
    const earlier = forwarder.forward(event('i-1', 'a', 0, 'Available'));
    await sleep(30); // the first window closed; its signal is still on its way
    const later = forwarder.forward(event('i-1', 'a', 1, 'Offline'));
    await Promise.all([earlier, later]);
    assert.deepEqual(temporal.summary(), [
      `connect-dispatcher/i-1: a@${T}/Available`,
      `connect-dispatcher/i-1: a@${T + 1}/Offline`,
    ]);
  });

  it('close() sends the waiting records at once, then refuses more records', async () => {
    const temporal = new FakeTemporal();
    const forwarder = new AgentEventForwarder(temporal.client, { coalesceMs: 60_000 });
    assert.equal(await forwarder.forward(event('i-1', 'a', 0)), 'signalled');
    // Within coalesceMs of that signal: these would wait a minute.
    const waiting = [
      forwarder.forward(event('i-1', 'a', 1, 'Offline')),
      forwarder.forward(event('i-2', 'x', 0)),
    ];
    await sleep(20);
    const closing = Date.now();
    await forwarder.close();
    assert.ok(Date.now() - closing < 5_000, 'close did not wait for the window');
    assert.deepEqual(await Promise.all(waiting), ['signalled', 'signalled']);
    assert.deepEqual(temporal.summary().slice(1).sort(), [
      `connect-dispatcher/i-1: a@${T + 1}/Offline`,
      `connect-dispatcher/i-2: x@${T}/Available`,
    ]);
    await assert.rejects(forwarder.forward(event('i-1', 'a', 2)), AgentEventForwarderClosedError);
    await assert.rejects(forwarder.forwardAll([event('i-1', 'a', 2)]), AgentEventForwarderClosedError);
    assert.equal(temporal.sent.length, 3);
  });

  it("rejects each record's promise when its signal fails, and says 'no-dispatcher' when none runs", async () => {
    const temporal = new FakeTemporal();
    const failure = new Error('Temporal unavailable');
    temporal.behaviour.set('connect-dispatcher/i-1', failure);
    temporal.behaviour.set('connect-dispatcher/i-2', 'not-found');
    const forwarder = new AgentEventForwarder(temporal.client, { coalesceMs: 10 });
    const results = await Promise.allSettled([
      forwarder.forward(event('i-1', 'a', 0)),
      forwarder.forward(event('i-1', 'b', 0)),
      forwarder.forward(event('i-2', 'x', 0)),
    ]);
    assert.deepEqual(results, [
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: 'no-dispatcher' },
    ]);
    assert.deepEqual(forwarder.stats(), { states: 3, signals: 2, noDispatcher: 1, failed: 1 });
  });

  it('forwardAll takes along the waiting records of its instance: still one signal', async () => {
    const temporal = new FakeTemporal();
    const forwarder = new AgentEventForwarder(temporal.client, { coalesceMs: 60_000 });
    assert.equal(await forwarder.forward(event('i-1', 'a', 0)), 'signalled');
    const waiting = forwarder.forward(event('i-1', 'b', 1));
    assert.deepEqual(await forwarder.forwardAll([event('i-1', 'c', 2)]), ['signalled']);
    assert.equal(await waiting, 'signalled');
    assert.deepEqual(temporal.summary(), [
      `connect-dispatcher/i-1: a@${T}/Available`,
      `connect-dispatcher/i-1: b@${T + 1}/Available c@${T + 2}/Available`,
    ]);
    await forwarder.close();
    assert.equal(temporal.sent.length, 2);
  });

  it('refuses a negative window', () => {
    assert.throws(() => new AgentEventForwarder(new FakeTemporal().client, { coalesceMs: -1 }), RangeError);
  });
});
