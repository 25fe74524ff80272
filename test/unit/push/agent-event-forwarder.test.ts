import assert from 'node:assert/strict';
import { agentUpdateFromRecord } from '../../../src/push/agent-event-forwarder';

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

  it('ignores heartbeats and records without a current snapshot', () => {
    assert.equal(agentUpdateFromRecord(record({ EventType: 'HEART_BEAT' })), undefined);
    assert.equal(agentUpdateFromRecord(record({ CurrentAgentSnapshot: null })), undefined);
  });

  it('ignores an agent ARN it cannot read', () => {
    assert.equal(agentUpdateFromRecord(record({ AgentARN: 'agent-7' })), undefined);
  });
});
