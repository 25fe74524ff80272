/**
 * The agent event feed: every change to an agent's status or contacts, as a server-sent event
 * shaped like an Amazon Connect agent event stream record (Administrator Guide, "Agent event streams
 * data model"), so a consumer written for Kinesis records can read it: STATE_CHANGE with the agent's
 * current and previous snapshots; LOGIN and LOGOUT when its status leaves or enters the OFFLINE type;
 * HEART_BEAT (current snapshot only) when nothing else was sent for the agent in `heartbeatMs`.
 */
import type { ServerResponse } from 'node:http';
import { AgentView, QueueRecord, RoutingProfileRecord } from './model';
import { SeededRandom } from './random';

/** SSE comments keep idle connections (and proxies) from timing out. */
const KEEP_ALIVE_MS = 15_000;

export type AgentEventType = 'STATE_CHANGE' | 'HEART_BEAT' | 'LOGIN' | 'LOGOUT';

/** Connect's contact states in agent snapshots (the emulator produces CONNECTING, CONNECTED, ENDED, MISSED, REJECTED). */
export type AgentEventContactState =
  | 'INCOMING'
  | 'PENDING'
  | 'CONNECTING'
  | 'CONNECTED'
  | 'CONNECTED_ONHOLD'
  | 'MISSED'
  | 'ERROR'
  | 'ENDED'
  | 'REJECTED';

export interface AgentEventRecord {
  AWSAccountId: string;
  AgentARN: string;
  EventId: string;
  EventTimestamp: string;
  EventType: AgentEventType;
  InstanceARN: string;
  Version: '2019-05-25';
  CurrentAgentSnapshot: AgentSnapshot;
  /** Absent (null) on HEART_BEAT records. */
  PreviousAgentSnapshot: AgentSnapshot | null;
}

export interface AgentSnapshot {
  AgentStatus: { ARN: string; Name: string; StartTimestamp: string; Type: string };
  NextAgentStatus: { ARN: string; Name: string; EnqueuedTimestamp: string } | null;
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
    InitialContactId: string | null;
    Channel: string;
    InitiationMethod: string;
    State: AgentEventContactState;
    StateStartTimestamp: string;
    ConnectedToAgentTimestamp: string | null;
    QueueTimestamp: string | null;
    Queue: { ARN: string; Name: string } | null;
  }[];
}

export interface AgentEventFeedOptions {
  instance: { arn: string; accountId: string };
  eventIds: SeededRandom;
  /** The queues a snapshot lists as the routing profile's InboundQueues. */
  inboundQueues: (profile: RoutingProfileRecord) => QueueRecord[];
  /** Every agent as it is now, for heartbeats. */
  agents: () => AgentView[];
  /** `null`: no heartbeats. */
  heartbeatMs: number | null;
}

const isOffline = (agent: AgentView) => agent.status.type === 'OFFLINE';
const isoTime = (epochMs: number) => new Date(epochMs).toISOString();

export class AgentEventFeed {
  private readonly subscribers = new Set<ServerResponse>();
  private readonly keepAlive: NodeJS.Timeout;
  /** Each agent's next heartbeat, pushed back whenever another event is sent for it. */
  private readonly heartbeats = new Map<string, NodeJS.Timeout>();
  private nextEventNumber = 1;

  constructor(private readonly options: AgentEventFeedOptions) {
    this.keepAlive = setInterval(() => this.writeAll(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.keepAlive.unref();
    for (const agent of options.agents()) this.armHeartbeat(agent.id);
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
    if (isOffline(previous) && !isOffline(current)) this.send('LOGIN', current, previous);
    this.send('STATE_CHANGE', current, previous);
    if (!isOffline(previous) && isOffline(current)) this.send('LOGOUT', current, previous);
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const timeout of this.heartbeats.values()) clearTimeout(timeout);
    this.heartbeats.clear();
    for (const response of this.subscribers) response.end();
    this.subscribers.clear();
  }

  private send(type: AgentEventType, current: AgentView, previous: AgentView | null): void {
    this.armHeartbeat(current.id);
    if (this.subscribers.size === 0) return;
    const record: AgentEventRecord = {
      AWSAccountId: this.options.instance.accountId,
      AgentARN: current.arn,
      EventId: this.options.eventIds.uuid(),
      EventTimestamp: new Date().toISOString(),
      EventType: type,
      InstanceARN: this.options.instance.arn,
      Version: '2019-05-25',
      CurrentAgentSnapshot: this.snapshot(current),
      PreviousAgentSnapshot: previous && this.snapshot(previous),
    };
    this.writeAll(`id: ${this.nextEventNumber++}\ndata: ${JSON.stringify(record)}\n\n`);
  }

  private armHeartbeat(agentId: string): void {
    const { heartbeatMs } = this.options;
    if (heartbeatMs === null) return;
    clearTimeout(this.heartbeats.get(agentId));
    const timeout = setTimeout(() => {
      const agent = this.options.agents().find((candidate) => candidate.id === agentId);
      if (agent) this.send('HEART_BEAT', agent, null);
    }, heartbeatMs);
    timeout.unref();
    this.heartbeats.set(agentId, timeout);
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
        StartTimestamp: isoTime(agent.statusSince),
        Type: agent.status.type,
      },
      NextAgentStatus: agent.nextStatus
        ? {
            ARN: agent.nextStatus.status.arn,
            Name: agent.nextStatus.status.name,
            EnqueuedTimestamp: isoTime(agent.nextStatus.requestedAt),
          }
        : null,
      Configuration: {
        Username: agent.username,
        AgentHierarchyGroups: null,
        RoutingProfile: {
          ARN: profile.arn,
          Name: profile.name,
          Concurrency: [
            { Channel: 'TASK', MaximumSlots: agent.maxTaskSlots, AvailableSlots: agent.availableTaskSlots },
          ],
          InboundQueues: this.options.inboundQueues(profile).map((queue) => ({
            ARN: queue.arn,
            Name: queue.name,
            Channels: ['TASK'],
          })),
        },
      },
      Contacts: agent.contacts.map(({ contact, state, stateSince, connectedAt }) => ({
        ContactId: contact.id,
        InitialContactId: contact.initialContactId ?? null,
        Channel: contact.channel,
        InitiationMethod: contact.initiationMethod,
        State: state,
        StateStartTimestamp: isoTime(stateSince),
        ConnectedToAgentTimestamp: connectedAt === undefined ? null : isoTime(connectedAt),
        QueueTimestamp: contact.enqueuedAt === undefined ? null : isoTime(contact.enqueuedAt),
        Queue: contact.queue ? { ARN: contact.queue.arn, Name: contact.queue.name } : null,
      })),
    };
  }
}
