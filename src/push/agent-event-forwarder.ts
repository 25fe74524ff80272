/**
 * The push path into the dispatcher: turns Amazon Connect agent event stream records into
 * `agentAvailable` signals, so a dispatcher matches a freed agent at once instead of at its next
 * poll. Feed it from wherever the records arrive: the emulator's `/_emulator/events` feed (see
 * follow-emulator-events.ts), or a Kinesis consumer of a real instance's agent event stream
 * (`new AgentEventForwarder(client).forward(JSON.parse(record.data))` for each record).
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { agentContact, type AgentState } from '../shared/dispatcher-contract';
import { agentAvailableSignal, dispatcherWorkflowId } from '../shared/dispatcher-contract';

/** The fields of a Connect agent event stream record that routing reads. */
export interface AgentEventStreamRecord {
  EventType: string;
  EventTimestamp: string;
  AgentARN: string;
  CurrentAgentSnapshot?: {
    AgentStatus?: { Name: string; StartTimestamp: string };
    Configuration?: {
      RoutingProfile?: {
        ARN: string;
        Concurrency?: { Channel: string; AvailableSlots: number }[];
      };
    };
    Contacts?: { ContactId: string; State?: string }[];
  } | null;
}

export type ForwardOutcome =
  | 'signalled'
  /** A record that says nothing about slots (HEART_BEAT, or no snapshot). */
  | 'ignored'
  /** No dispatcher runs for the instance: no task waits there, so nothing needs waking. */
  | 'no-dispatcher';

/** `arn:aws:connect:<region>:<account>:instance/<instanceId>/<kind>/<id>` → ids. */
function parseConnectArn(arn: string, kind: string): { instanceId: string; id: string } | undefined {
  const match = new RegExp(`:instance/([^/]+)/${kind}/([^/]+)$`).exec(arn);
  return match ? { instanceId: match[1], id: match[2] } : undefined;
}

/** The dispatcher's view of an agent in one record, or undefined when the record has none. */
export function agentUpdateFromRecord(
  record: AgentEventStreamRecord,
): { instanceId: string; update: AgentState } | undefined {
  const snapshot = record.CurrentAgentSnapshot;
  const agent = parseConnectArn(record.AgentARN, 'agent');
  const routingProfileArn = snapshot?.Configuration?.RoutingProfile?.ARN;
  const routingProfile = routingProfileArn
    ? parseConnectArn(routingProfileArn, 'routing-profile')
    : undefined;
  const status = snapshot?.AgentStatus;
  if (record.EventType === 'HEART_BEAT' || !agent || !routingProfile || !status) return undefined;
  const task = snapshot.Configuration?.RoutingProfile?.Concurrency?.find(({ Channel }) => Channel === 'TASK');
  return {
    instanceId: agent.instanceId,
    update: {
      userId: agent.id,
      routingProfileId: routingProfile.id,
      statusName: status.Name,
      statusSince: Date.parse(status.StartTimestamp),
      freeTaskSlots: task?.AvailableSlots ?? 0,
      contacts: (snapshot.Contacts ?? []).map(({ ContactId, State }) => agentContact(ContactId, State)),
      observedAt: Date.parse(record.EventTimestamp),
    },
  };
}

export class AgentEventForwarder {
  constructor(private readonly temporal: Client) {}

  /**
   * Every state change is forwarded, not only "became available": an agent going Offline or taking
   * a contact elsewhere must stop receiving reservations before the next poll says so.
   */
  async forward(record: AgentEventStreamRecord): Promise<ForwardOutcome> {
    const parsed = agentUpdateFromRecord(record);
    if (!parsed) return 'ignored';
    try {
      await this.temporal.workflow
        .getHandle(dispatcherWorkflowId(parsed.instanceId))
        .signal(agentAvailableSignal, parsed.update);
      return 'signalled';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'no-dispatcher';
      throw error;
    }
  }
}
