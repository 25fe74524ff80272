/**
 * The agent event feed: every change to an agent's status or contacts, as a server-sent event
 * shaped like an Amazon Connect agent event stream record (`EventType: STATE_CHANGE`, with the
 * agent's current and previous snapshots), so a consumer written for Kinesis records can read it.
 */
import type { ServerResponse } from 'node:http';
import { AgentView, QueueRecord, RoutingProfileRecord } from './model';
import { SeededRandom } from './random';

/** SSE comments keep idle connections (and proxies) from timing out. */
const KEEP_ALIVE_MS = 15_000;

export interface AgentEventRecord {
  AWSAccountId: string;
  AgentARN: string;
  EventId: string;
  EventTimestamp: string;
  EventType: 'STATE_CHANGE';
  InstanceARN: string;
  Version: '2019-05-25';
  CurrentAgentSnapshot: AgentSnapshot;
  PreviousAgentSnapshot: AgentSnapshot;
}

export interface AgentSnapshot {
  AgentStatus: { ARN: string; Name: string; StartTimestamp: string; Type: string };
  NextAgentStatus: null;
  Configuration: {
    Username: string;
    AgentHierarchyGroups: null;
    RoutingProfile: {
      ARN: string;
      Name: string;
      Concurrency: { Channel: 'TASK'; MaximumSlots: number; AvailableSlots: number }[];
      InboundQueues: { ARN: string; Name: string; Channels: ['TASK'] }[];
    };
  };
  Contacts: {
    ContactId: string;
    InitialContactId: null;
    Channel: string;
    InitiationMethod: string;
    State: 'CONNECTED';
    StateStartTimestamp: string;
    ConnectedToAgentTimestamp: string;
    QueueTimestamp: string | null;
    Queue: { ARN: string; Name: string } | null;
  }[];
}

export class AgentEventFeed {
  private readonly subscribers = new Set<ServerResponse>();
  private readonly keepAlive: NodeJS.Timeout;
  private nextEventNumber = 1;

  constructor(
    private readonly instance: { arn: string; accountId: string },
    private readonly eventIds: SeededRandom,
    private readonly inboundQueues: (profile: RoutingProfileRecord) => QueueRecord[],
  ) {
    this.keepAlive = setInterval(() => this.writeAll(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  /** Holds the response open as an event stream until the client goes away or the feed closes. */
  subscribe(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.write(': connected\n\n');
    this.subscribers.add(response);
    response.on('close', () => this.subscribers.delete(response));
  }

  publish(previous: AgentView, current: AgentView): void {
    if (this.subscribers.size === 0) return;
    const record: AgentEventRecord = {
      AWSAccountId: this.instance.accountId,
      AgentARN: current.arn,
      EventId: this.eventIds.uuid(),
      EventTimestamp: new Date().toISOString(),
      EventType: 'STATE_CHANGE',
      InstanceARN: this.instance.arn,
      Version: '2019-05-25',
      CurrentAgentSnapshot: this.snapshot(current),
      PreviousAgentSnapshot: this.snapshot(previous),
    };
    this.writeAll(`id: ${this.nextEventNumber++}\ndata: ${JSON.stringify(record)}\n\n`);
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const response of this.subscribers) response.end();
    this.subscribers.clear();
  }

  private writeAll(chunk: string): void {
    for (const response of this.subscribers) response.write(chunk);
  }

  private snapshot(agent: AgentView): AgentSnapshot {
    const profile = agent.routingProfile;
    return {
      AgentStatus: {
        ARN: agent.status.arn,
        Name: agent.status.name,
        StartTimestamp: new Date(agent.statusSince).toISOString(),
        Type: agent.status.type,
      },
      NextAgentStatus: null,
      Configuration: {
        Username: agent.username,
        AgentHierarchyGroups: null,
        RoutingProfile: {
          ARN: profile.arn,
          Name: profile.name,
          Concurrency: [
            { Channel: 'TASK', MaximumSlots: agent.maxTaskSlots, AvailableSlots: agent.availableTaskSlots },
          ],
          InboundQueues: this.inboundQueues(profile).map((queue) => ({
            ARN: queue.arn,
            Name: queue.name,
            Channels: ['TASK'],
          })),
        },
      },
      Contacts: agent.contacts.map((contact) => ({
        ContactId: contact.id,
        InitialContactId: null,
        Channel: contact.channel,
        InitiationMethod: contact.initiationMethod,
        State: 'CONNECTED',
        StateStartTimestamp: new Date(contact.connectedAt ?? contact.lastUpdatedAt).toISOString(),
        ConnectedToAgentTimestamp: new Date(contact.connectedAt ?? contact.lastUpdatedAt).toISOString(),
        QueueTimestamp: contact.enqueuedAt === undefined ? null : new Date(contact.enqueuedAt).toISOString(),
        Queue: contact.queue ? { ARN: contact.queue.arn, Name: contact.queue.name } : null,
      })),
    };
  }
}
